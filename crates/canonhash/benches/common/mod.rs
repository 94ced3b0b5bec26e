//! The examples the benchmarks hash and read, shared with the `groundset-records` benchmarks
//! (which include this file), so that both time the same data.

pub const TOPICS: [&str; 6] = ["physique", "历史", "biology", "géographie", "математика", "literature"];
pub const WORDS: [&str; 12] = [
    "the",
    "water",
    "boils",
    "at",
    "température",
    "élevée",
    "量子",
    "ñandú",
    "river",
    "Straße",
    "😀",
    "answer",
];

/// A deterministic pseudo-random example of about 1 KB, as one JSONL record.
pub fn example_record(index: u64) -> String {
    let mut state = index.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut sentence = |words: usize| -> String {
        (0..words)
            .map(|_| WORDS[(next() % WORDS.len() as u64) as usize])
            .collect::<Vec<_>>()
            .join(" ")
    };
    let question = sentence(14);
    let paragraphs: Vec<String> = (0..3).map(|_| format!("\"{}\"", sentence(22))).collect();
    let answer = sentence(10);
    format!(
        concat!(
            "{{\"id\":\"ex-{index}\",",
            "\"input\":{{\"question\":\"{question}?\",\"context\":{{\"paragraphs\":[{paragraphs}],",
            "\"source\":\"wiki/{topic}\",\"retrieved_at\":\"2026-11-23T10:00:00Z\"}},\"temperature\":0.7,\"max_tokens\":512}},",
            "\"output\":{{\"answer\":\"{answer}\",\"citations\":[{c1},{c2}],\"confidence\":{confidence}}},",
            "\"metadata\":{{\"topic\":\"{topic}\",\"difficulty\":{difficulty},\"tags\":[\"qa\",\"v2\",\"{topic}\"],",
            "\"reviewed\":true,\"score\":{score}}}}}"
        ),
        index = index,
        question = question,
        paragraphs = paragraphs.join(","),
        topic = TOPICS[(index % 6) as usize],
        answer = answer,
        c1 = index % 97,
        c2 = index % 13,
        confidence = (index % 1000) as f64 / 1000.0 + 0.0001,
        difficulty = index % 5,
        score = (index as f64) * 1.5e-3 - 7.25,
    )
}

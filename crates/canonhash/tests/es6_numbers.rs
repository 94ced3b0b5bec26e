//! ECMAScript number serialization, checked against references nobody here wrote:
//! the JCS reference's published SHA-256 of its deterministic number sequence (see
//! fixtures/jcs/README.md), and Node's own `String(x)` on random doubles.

mod common;

use sha2::{Digest, Sha256};

/// Feeds `hex-ieee,String(x)\n` lines of the reference sequence to `line` until it returns false.
fn reference_sequence(mut line: impl FnMut(u64) -> bool) {
    let statics = std::fs::read_to_string(common::fixtures().join("jcs/es6-static-u64.txt")).unwrap();
    for bits in statics
        .split_whitespace()
        .map(|hex| u64::from_str_radix(hex, 16).unwrap())
    {
        if !line(bits) {
            return;
        }
    }
    for i in 0..2000u64 {
        if !line(0x0010_0000_0000_0000 + i) {
            return;
        }
    }
    let mut block = [0u8; 32];
    loop {
        let digest = Sha256::digest(block);
        block.copy_from_slice(&digest);
        for chunk in block.chunks_exact(8) {
            let bits = u64::from_le_bytes(chunk.try_into().unwrap());
            let value = f64::from_bits(bits);
            if value == 0.0 || !value.is_finite() {
                continue;
            }
            if !line(bits) {
                return;
            }
        }
    }
}

/// Byte count and SHA-256 of the first `count` lines, formatted by the crate.
fn first_lines(count: usize) -> (usize, String) {
    let mut hasher = Sha256::new();
    let mut written = 0;
    let mut bytes = 0;
    let mut line = Vec::with_capacity(64);
    reference_sequence(|bits| {
        line.clear();
        line.extend_from_slice(format!("{bits:x},").as_bytes());
        canonhash::write_number(f64::from_bits(bits), &mut line).expect("finite");
        line.push(b'\n');
        hasher.update(&line);
        bytes += line.len();
        written += 1;
        written < count
    });
    (bytes, hex(&hasher.finalize()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn reference_sequence_100k() {
    assert_eq!(
        first_lines(1_000),
        (
            37_967,
            "be18b62b6f69cdab33a7e0dae0d9cfa869fda80ddc712221570f9f40a5878687".to_owned()
        )
    );
    assert_eq!(
        first_lines(10_000),
        (
            399_022,
            "b9f7a8e75ef22a835685a52ccba7f7d6bdc99e34b010992cbc5864cd12be6892".to_owned()
        )
    );
    assert_eq!(
        first_lines(100_000),
        (
            4_031_728,
            "22776e6d4b49fa294a0d0f349268e5c28808fe7e0cb2bcbe28f63894e494d4c7".to_owned()
        )
    );
}

/// The full published check; `just conformance` runs it in release mode.
#[test]
#[ignore = "1M lines: run by `just conformance`"]
fn reference_sequence_1m() {
    assert_eq!(
        first_lines(1_000_000),
        (
            40_357_417,
            "49415fee2c56c77864931bd3624faad425c3c577d6d74e89a83bc725506dad16".to_owned()
        )
    );
}

/// Differential test against Node's `String(x)`, the ES6 reference itself.
#[test]
#[ignore = "needs node: run by `just conformance`"]
fn agrees_with_node_on_random_doubles() {
    use std::io::Write;
    use std::process::{Command, Stdio};

    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        // xorshift64*: deterministic, so a failure reproduces.
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        state.wrapping_mul(0x2545_F491_4F6C_DD1D)
    };
    let mut doubles = Vec::new();
    for i in 0..300_000u64 {
        let value = match i % 3 {
            0 => f64::from_bits(next()),
            1 => (next() % 100_000_000) as f64 / 10f64.powi((next() % 12) as i32),
            _ => (next() >> (next() % 64)) as f64 * if next() % 2 == 0 { 1.0 } else { -1.0 },
        };
        if value.is_finite() {
            doubles.push(value);
        }
    }
    let script = "let d='';process.stdin.on('data',c=>d+=c);process.stdin.on('end',()=>{const o=[];\
        for(const h of d.split('\\n')){if(!h)continue;const b=Buffer.from(h.padStart(16,'0'),'hex');\
        o.push(String(b.readDoubleBE(0)));}process.stdout.write(o.join('\\n'));});";
    let mut node = Command::new("node")
        .args(["-e", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("node is installed");
    let input: String = doubles.iter().map(|d| format!("{:x}\n", d.to_bits())).collect();
    let mut stdin = node.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()).unwrap());
    let output = node.wait_with_output().unwrap();
    writer.join().unwrap();
    assert!(output.status.success());
    let expected = String::from_utf8(output.stdout).unwrap();
    let expected: Vec<&str> = expected.split('\n').collect();
    assert_eq!(expected.len(), doubles.len());
    for (value, node_text) in doubles.iter().zip(expected) {
        assert_eq!(
            canonhash::format_number(*value).unwrap(),
            node_text,
            "bits {:x}",
            value.to_bits()
        );
    }
}

/** Version tags as small labels (nothing when there are none). */
export function Tags({ tags }: { tags: readonly string[] | null | undefined }) {
  if (!tags || tags.length === 0) return null;
  return (
    <span className="tags">
      {tags.map((tag) => (
        <span key={tag} className="tag" title={`tag ${tag}`}>
          {tag}
        </span>
      ))}
    </span>
  );
}

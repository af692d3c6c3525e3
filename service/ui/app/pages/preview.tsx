/** The dry run's result: the destinations, each file with its diff, the actions that would run. */
import type { PreviewResult } from "../types";

export function Preview({ preview }: { preview: PreviewResult }) {
  return (
    <section aria-labelledby="h-preview" class="preview">
      <h2 id="h-preview" tabIndex={-1}>
        Preview
      </h2>
      <p>
        Destinations: <strong>{preview.destinations.join(", ") || "none"}</strong>. Nothing has been written yet.
      </p>
      {preview.files.length === 0 ? <p>No file changes.</p> : null}
      {preview.files.map((f) => (
        <details key={`${f.destination}/${f.path}`} open>
          <summary>
            <span class={`change change-${f.change}`}>{f.change}</span> {f.destination}: <code>{f.path}</code>
          </summary>
          <pre class="diff" tabIndex={0} aria-label={`Diff of ${f.path}`}>
            {f.diff.split("\n").map((line, i) => (
              <span key={i} class={line.startsWith("+") ? "add" : line.startsWith("-") ? "del" : undefined}>
                {line}
                {"\n"}
              </span>
            ))}
          </pre>
        </details>
      ))}
      {preview.actions.length ? (
        <>
          <h3>Actions</h3>
          <ul>
            {preview.actions.map((a) => (
              <li key={a.name}>
                {a.change} {a.kind} <code>{a.name}</code>
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </section>
  );
}

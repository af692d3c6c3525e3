/**
 * One request: conditions with reasons and times, outputs with copy buttons, files with their commits,
 * compound children, the live workflow and engine log, edit, and delete with confirmation.
 */
import { useRef, useState } from "preact/hooks";
import { api, requestPath } from "../api";
import { display, readiness, shortCommit } from "../format";
import { href } from "../router";
import type { RequestEvent, RequestObject } from "../types";
import { useEvents, useThrottled } from "./live";
import { Failure, useLoad } from "./load";

const EVENT_TYPES = ["queued", "workflow", "engine", "status", "deleted", "error"];

export function RequestDetail({ namespace, kind, name }: { namespace: string; kind: string; name: string }) {
  const path = requestPath(namespace, kind, name);
  const data = useLoad(() => api<RequestObject>("GET", path), [path]);
  const reload = useThrottled(data.reload, 250);
  const [log, setLog] = useState<RequestEvent[]>([]);
  const [gone, setGone] = useState(false);
  useEvents(
    gone || !data.value ? undefined : `${path}/events`,
    (type, e) => {
      if (type === "closed") return data.reload();
      const ev = e as RequestEvent;
      setLog((l) => [...l.slice(-199), ev]);
      if (type === "deleted") {
        setGone(true);
        location.hash = href({ page: "requests" });
      } else if (type === "status" || type === "queued") reload();
    },
    EVENT_TYPES,
  );
  if (data.error) return <Failure error={data.error} />;
  const o = data.value;
  if (!o) return <p role="status">Loading…</p>;
  return (
    <section aria-labelledby="h-detail">
      <h1 id="h-detail">
        {o.kind} <span class="name">{o.metadata.name}</span> <span class={`badge badge-${readiness(o).toLowerCase()}`}>{readiness(o)}</span>
      </h1>
      <p class="meta">
        Namespace {o.metadata.namespace} · generation {o.metadata.generation} (observed {o.status.observedGeneration}) · created{" "}
        <time dateTime={o.metadata.creationTimestamp}>{new Date(o.metadata.creationTimestamp).toLocaleString()}</time>
      </p>
      {o.status.message ? <p>{o.status.message}</p> : null}
      <div class="actions">
        <a class="button secondary" href={href({ page: "edit", namespace, kind, name })}>
          Edit
        </a>
        <DeleteButton path={path} name={o.metadata.name} deleting={Boolean(o.metadata.deletionTimestamp)} onDeleted={reload} />
      </div>
      <Conditions o={o} />
      <Outputs outputs={o.status.outputs ?? {}} />
      <Files o={o} />
      {o.status.children?.length ? (
        <section aria-labelledby="h-children">
          <h2 id="h-children">Children</h2>
          <ul>
            {o.status.children.map((c) => (
              <li key={`${c.namespace}/${c.kind}/${c.name}`}>
                <a href={href({ page: "detail", namespace: c.namespace, kind: c.kind, name: c.name })}>
                  {c.kind} {c.name}
                </a>{" "}
                ({c.ready ? "Ready" : "not ready"})
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      <section aria-labelledby="h-log">
        <h2 id="h-log">Live log</h2>
        {log.length === 0 ? <p class="meta">Waiting for workflow and engine events…</p> : null}
        <ol class="log" aria-live="polite">
          {log.map((e, i) => (
            <li key={i}>
              <time dateTime={e.time}>{new Date(e.time).toLocaleTimeString()}</time> <span class="event-type">{e.type}</span> {e.message}
            </li>
          ))}
        </ol>
      </section>
    </section>
  );
}

function Conditions({ o }: { o: RequestObject }) {
  return (
    <section aria-labelledby="h-conditions">
      <h2 id="h-conditions">Conditions</h2>
      <table>
        <thead>
          <tr>
            <th scope="col">Type</th>
            <th scope="col">Status</th>
            <th scope="col">Reason</th>
            <th scope="col">Message</th>
            <th scope="col">Since</th>
          </tr>
        </thead>
        <tbody>
          {o.status.conditions.map((c) => (
            <tr key={c.type}>
              <th scope="row">{c.type}</th>
              <td>{c.status}</td>
              <td>{c.reason}</td>
              <td>{c.message}</td>
              <td>
                <time dateTime={c.lastTransitionTime}>{c.lastTransitionTime ? new Date(c.lastTransitionTime).toLocaleString() : "-"}</time>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

async function copy(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}

function Outputs({ outputs }: { outputs: Record<string, unknown> }) {
  const [copied, setCopied] = useState<string | undefined>();
  const entries = Object.entries(outputs);
  return (
    <section aria-labelledby="h-outputs">
      <h2 id="h-outputs">Outputs</h2>
      {entries.length === 0 ? <p class="meta">No outputs yet.</p> : null}
      <dl class="outputs">
        {entries.map(([k, v]) => (
          <div key={k}>
            <dt>{k}</dt>
            <dd>
              <code data-output={k}>{display(v)}</code>{" "}
              <button type="button" class="secondary small" onClick={async () => setCopied((await copy(display(v))) ? k : `!${k}`)} aria-label={`Copy ${k}`}>
                Copy
              </button>
            </dd>
          </div>
        ))}
      </dl>
      <p role="status" class="meta">
        {copied ? (copied.startsWith("!") ? `Could not copy ${copied.slice(1)}: select it and copy by hand.` : `Copied ${copied}.`) : ""}
      </p>
    </section>
  );
}

function Files({ o }: { o: RequestObject }) {
  return (
    <section aria-labelledby="h-files">
      <h2 id="h-files">Files</h2>
      {o.status.files.length === 0 ? <p class="meta">No files written yet.</p> : null}
      {o.status.files.length ? (
        <table>
          <thead>
            <tr>
              <th scope="col">Destination</th>
              <th scope="col">Path</th>
              <th scope="col">Commit</th>
            </tr>
          </thead>
          <tbody>
            {o.status.files.map((f) => (
              <tr key={`${f.destination}/${f.path}`}>
                <td>{f.destination}</td>
                <td>
                  <code>{f.path}</code>
                </td>
                <td>
                  <code title={f.commit}>{shortCommit(f.commit)}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}

function DeleteButton({ path, name, deleting, onDeleted }: { path: string; name: string; deleting: boolean; onDeleted: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [error, setError] = useState<string | undefined>();
  const confirm = async (): Promise<void> => {
    try {
      await api("DELETE", path);
      dialog.current?.close();
      onDeleted();
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return (
    <>
      <button type="button" class="danger" disabled={deleting} onClick={() => dialog.current?.showModal()}>
        {deleting ? "Deleting…" : "Delete"}
      </button>
      <dialog ref={dialog} aria-labelledby="h-confirm">
        <h2 id="h-confirm">Delete {name}?</h2>
        <p>The delete workflow runs and every file this request wrote is removed from Git.</p>
        {error ? (
          <p role="alert" class="error">
            {error}
          </p>
        ) : null}
        <div class="actions">
          <button type="button" class="secondary" onClick={() => dialog.current?.close()}>
            Cancel
          </button>
          <button type="button" class="danger" onClick={() => void confirm()}>
            Delete {name}
          </button>
        </div>
      </dialog>
    </>
  );
}

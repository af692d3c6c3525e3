/** The team's requests with READY, APPLIED, DESTINATIONS and AGE, live over SSE; filter by namespace and kind. */
import { useEffect, useState } from "preact/hooks";
import { api, type SessionInfo } from "../api";
import { age, condition, readiness } from "../format";
import { href } from "../router";
import type { PromiseEntry, RequestObject } from "../types";
import { useEvents, useThrottled } from "./live";
import { Failure, useLoad } from "./load";

const EVENT_TYPES = ["queued", "workflow", "engine", "status", "deleted", "error"];

export function RequestList({ namespace, kind, session }: { namespace?: string; kind?: string; session: SessionInfo }) {
  const query = new URLSearchParams();
  if (namespace) query.set("namespace", namespace);
  if (kind) query.set("kind", kind);
  const qs = query.toString() ? `?${query}` : "";
  const data = useLoad(async () => {
    const [requests, promises] = await Promise.all([
      api<{ items: RequestObject[] }>("GET", `/v1/requests${qs}`),
      api<{ items: PromiseEntry[] }>("GET", "/v1/promises"),
    ]);
    return { requests: requests.items, promises: promises.items };
  }, [qs]);
  const reload = useThrottled(data.reload, 250);
  // The stream opens once the list has loaded (a refused list is shown, not streamed).
  useEvents(data.value ? `/v1/events${qs}` : undefined, (type) => (type === "closed" ? data.reload() : reload()), EVENT_TYPES);
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = window.setInterval(() => setNow(Date.now()), 10_000);
    return () => window.clearInterval(t);
  }, []);

  const go = (ns?: string, k?: string): void => {
    location.hash = href({ page: "requests", namespace: ns, kind: k });
  };
  const namespaces = session.namespaces === "*" ? undefined : session.namespaces;
  return (
    <section aria-labelledby="h-requests">
      <h1 id="h-requests">Requests</h1>
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        <div class="field">
          <label for="filter-ns">Namespace</label>
          {namespaces ? (
            <select id="filter-ns" value={namespace ?? ""} onChange={(e) => go(e.currentTarget.value || undefined, kind)}>
              <option value="">All namespaces</option>
              {namespaces.map((n) => (
                <option key={n} value={n}>
                  {n}
                </option>
              ))}
            </select>
          ) : (
            <input id="filter-ns" value={namespace ?? ""} placeholder="all" onChange={(e) => go(e.currentTarget.value.trim() || undefined, kind)} />
          )}
        </div>
        <div class="field">
          <label for="filter-kind">Kind</label>
          <select id="filter-kind" value={kind ?? ""} onChange={(e) => go(namespace, e.currentTarget.value || undefined)}>
            <option value="">All kinds</option>
            {(data.value?.promises ?? []).map((p) => (
              <option key={p.kind} value={p.kind}>
                {p.kind}
              </option>
            ))}
          </select>
        </div>
      </form>
      {data.error ? <Failure error={data.error} /> : null}
      {!data.value && !data.error ? <p role="status">Loading requests…</p> : null}
      {data.value ? <Table items={data.value.requests} now={now} /> : null}
    </section>
  );
}

function Table({ items, now }: { items: RequestObject[]; now: number }) {
  if (items.length === 0) {
    return (
      <p>
        No requests yet. <a href="#/">Request something from the catalog</a>.
      </p>
    );
  }
  return (
    <table class="requests">
      <caption class="sr-only">{`${items.length} requests, updated live`}</caption>
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Namespace</th>
          <th scope="col">Kind</th>
          <th scope="col">Ready</th>
          <th scope="col">Applied</th>
          <th scope="col">Destinations</th>
          <th scope="col">Age</th>
        </tr>
      </thead>
      <tbody>
        {items.map((o) => {
          const state = readiness(o);
          const key = `${o.metadata.namespace}/${o.kind}/${o.metadata.name}`;
          return (
            <tr key={key} data-request={key}>
              <th scope="row">
                <a href={href({ page: "detail", namespace: o.metadata.namespace, kind: o.kind, name: o.metadata.name })}>{o.metadata.name}</a>
              </th>
              <td>{o.metadata.namespace}</td>
              <td>{o.kind}</td>
              <td>
                <span class={`badge badge-${state.toLowerCase()}`} title={condition(o, "Ready")?.message}>
                  {state}
                </span>
              </td>
              <td>{condition(o, "Applied")?.status ?? "-"}</td>
              <td>{o.status.destinations.join(", ") || "-"}</td>
              <td>
                <time dateTime={o.metadata.creationTimestamp}>{age(o.metadata.creationTimestamp, now)}</time>
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

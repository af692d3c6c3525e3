/** Destinations: labels, path in the State Store, and which Promises' Dependencies are there. */
import { api } from "../api";
import type { Destination, PromiseEntry } from "../types";
import { Failure, useLoad } from "./load";

export function Destinations() {
  const data = useLoad(async () => {
    const [d, p] = await Promise.all([api<{ items: Destination[] }>("GET", "/v1/destinations"), api<{ items: PromiseEntry[] }>("GET", "/v1/promises")]);
    return { destinations: d.items, promises: p.items };
  }, []);
  if (data.error) return <Failure error={data.error} />;
  if (!data.value) return <p role="status">Loading destinations…</p>;
  const { destinations, promises } = data.value;
  return (
    <section aria-labelledby="h-dest">
      <h1 id="h-dest">Destinations</h1>
      <table>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Labels</th>
            <th scope="col">Path</th>
            <th scope="col">State Store</th>
            <th scope="col">Dependencies of</th>
          </tr>
        </thead>
        <tbody>
          {destinations.map((d) => (
            <tr key={d.name}>
              <th scope="row">{d.name}</th>
              <td>
                {Object.entries(d.labels).map(([k, v]) => (
                  <code class="label" key={k}>
                    {k}={v}
                  </code>
                ))}
              </td>
              <td>
                <code>{d.path || "/"}</code>
              </td>
              <td>{d.stateStore}</td>
              <td>
                {promises
                  .filter((p) => p.destinations.includes(d.name))
                  .map((p) => p.name)
                  .join(", ") || "-"}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

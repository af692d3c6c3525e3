/** The catalog: installed Promises (with a request button) and the whole Marketplace. */
import { api } from "../api";
import type { MarketplaceItem, PromiseEntry } from "../types";
import { Failure, useLoad } from "./load";

export function Catalog() {
  const data = useLoad(async () => {
    const [promises, market] = await Promise.all([
      api<{ items: PromiseEntry[] }>("GET", "/v1/promises"),
      api<{ items: MarketplaceItem[] }>("GET", "/v1/marketplace").catch(() => ({ items: [] as MarketplaceItem[] })),
    ]);
    return { promises: promises.items, market: market.items };
  }, []);
  if (data.error) return <Failure error={data.error} />;
  if (!data.value) return <p role="status">Loading the catalog…</p>;
  const { promises, market } = data.value;
  const describe = (name: string): string => market.find((m) => m.name === name)?.description ?? "";
  return (
    <>
      <section aria-labelledby="h-installed">
        <h1 id="h-installed">Catalog</h1>
        <p>What the platform offers your team. Pick one to request it.</p>
        <ul class="cards">
          {promises.map((p) => (
            <li class="card" key={p.name}>
              <h2>{p.name}</h2>
              <p class="meta">
                <span>v{p.version}</span> · <code>{p.kind}</code>
              </p>
              <p>{describe(p.name)}</p>
              <p class="meta">Dependencies on: {p.destinations.length ? p.destinations.join(", ") : "no destination"}</p>
              <a class="button" href={`#/new/${encodeURIComponent(p.name)}`} aria-label={`Request ${p.name}`}>
                Request
              </a>
            </li>
          ))}
        </ul>
      </section>
      {market.length ? (
        <section aria-labelledby="h-market">
          <h2 id="h-market">Marketplace</h2>
          <table>
            <caption class="sr-only">Every Promise Plinth ships</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Version</th>
                <th scope="col">Kind</th>
                <th scope="col">Category</th>
                <th scope="col">Description</th>
                <th scope="col">Installed</th>
              </tr>
            </thead>
            <tbody>
              {market.map((m) => (
                <tr key={m.name}>
                  <th scope="row">{m.name}</th>
                  <td>{m.version}</td>
                  <td>
                    <code>{m.kind}</code>
                  </td>
                  <td>{m.category}</td>
                  <td>{m.description}</td>
                  <td>{m.installed ? `yes (v${m.installedVersion ?? m.version})` : "no"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ) : null}
    </>
  );
}

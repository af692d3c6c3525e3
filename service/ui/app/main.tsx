/** The portal's shell: session bootstrap, navigation, theme, and the page for the current hash route. */
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { api, useSession, whenUnauthorized, type SessionInfo } from "./api";
import { parseRoute, type Route } from "./router";
import { SignIn } from "./pages/signin";
import { Catalog } from "./pages/catalog";
import { RequestForm } from "./pages/request-form";
import { RequestList } from "./pages/requests";
import { RequestDetail } from "./pages/detail";
import { Destinations } from "./pages/destinations";
import { ThemeToggle } from "./theme";

function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const on = (): void => setRoute(parseRoute(location.hash));
    addEventListener("hashchange", on);
    return () => removeEventListener("hashchange", on);
  }, []);
  return route;
}

type SessionState = { state: "loading" } | { state: "signedOut"; notice?: string } | { state: "signedIn"; session: SessionInfo };

function Page({ route, session }: { route: Route; session: SessionInfo }) {
  switch (route.page) {
    case "catalog":
      return <Catalog />;
    case "new":
      return <RequestForm promise={route.promise} session={session} />;
    case "edit":
      return <RequestForm edit={{ namespace: route.namespace, kind: route.kind, name: route.name }} session={session} />;
    case "requests":
      return <RequestList namespace={route.namespace} kind={route.kind} session={session} />;
    case "detail":
      return <RequestDetail namespace={route.namespace} kind={route.kind} name={route.name} />;
    case "destinations":
      return <Destinations />;
    default:
      return (
        <section aria-labelledby="h-missing">
          <h1 id="h-missing">Page not found</h1>
          <p>
            Nothing is at this address. <a href="#/">Go to the catalog</a>.
          </p>
        </section>
      );
  }
}

function App() {
  const route = useRoute();
  const [s, setS] = useState<SessionState>({ state: "loading" });
  const signedIn = (session: SessionInfo): void => {
    useSession(session);
    setS({ state: "signedIn", session });
  };
  const signedOut = (notice?: string): void => {
    useSession(null);
    setS({ state: "signedOut", notice });
  };

  useEffect(() => {
    whenUnauthorized((e) => signedOut(e.message));
    const r = parseRoute(location.hash);
    if (r.page === "signin" && r.code) return; // the sign-in page redeems the code
    api<SessionInfo>("GET", "/v1/session").then(signedIn, () => signedOut());
  }, []);

  useEffect(() => {
    document.title = `${titleOf(route)} · Plinth portal`;
    const main = document.getElementById("main");
    if (main && s.state === "signedIn") main.focus({ preventScroll: true });
  }, [route.page, s.state]);

  const signOut = async (): Promise<void> => {
    await api("DELETE", "/v1/session").catch(() => undefined);
    signedOut("You are signed out.");
  };

  if (s.state === "loading" && !(route.page === "signin" && route.code)) return <p class="loading">Loading…</p>;
  if (s.state !== "signedIn" || route.page === "signin") {
    return (
      <SignIn
        code={route.page === "signin" ? route.code : undefined}
        notice={s.state === "signedOut" ? s.notice : undefined}
        onSignedIn={(session) => {
          signedIn(session);
          if (route.page === "signin") location.replace("#/");
        }}
      />
    );
  }
  const session = s.session;
  const current = (page: Route["page"] | Route["page"][]): "page" | undefined =>
    ([] as string[]).concat(page).includes(route.page) ? "page" : undefined;
  return (
    <>
      <a class="skip" href="#main" onClick={(e) => (e.preventDefault(), document.getElementById("main")?.focus())}>
        Skip to content
      </a>
      <header class="top">
        <span class="brand">Plinth</span>
        <nav aria-label="Main">
          <a href="#/" aria-current={current(["catalog", "new"])}>
            Catalog
          </a>
          <a href="#/requests" aria-current={current(["requests", "detail", "edit"])}>
            Requests
          </a>
          <a href="#/destinations" aria-current={current("destinations")}>
            Destinations
          </a>
        </nav>
        <span class="team" title="Your team">
          Team <strong>{session.team}</strong>
        </span>
        <ThemeToggle />
        <button type="button" class="secondary" onClick={signOut}>
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        <Page route={route} session={session} />
      </main>
    </>
  );
}

function titleOf(r: Route): string {
  switch (r.page) {
    case "catalog":
      return "Catalog";
    case "new":
      return `Request ${r.promise}`;
    case "requests":
      return "Requests";
    case "detail":
      return `${r.kind} ${r.name}`;
    case "edit":
      return `Edit ${r.name}`;
    case "destinations":
      return "Destinations";
    case "signin":
      return "Sign in";
    default:
      return "Not found";
  }
}

render(<App />, document.getElementById("app")!);

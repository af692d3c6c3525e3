// Lint: typescript-eslint's recommended rules, the folder boundaries of ARCHITECTURE.md ("what may import
// what") and no import cycles. Formatting is prettier's job (`npm run format`), not lint's (yet).
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import importX, { createNodeResolver } from "eslint-plugin-import-x";

const FOLDERS = ["components", "destinations", "promises", "service", "stacks", "cli", "tools", "test"];

/**
 * What each top folder may import (besides itself and node_modules): lower folders never import higher
 * ones. Keep in step with ARCHITECTURE.md.
 */
const MAY_IMPORT = {
  components: [],
  destinations: ["components"],
  promises: ["components"],
  service: ["components"],
  // The programs and the composition root (stacks/local-platform/, stacks/start.ts).
  stacks: ["components", "destinations", "promises", "service", "tools"],
  cli: ["components", "service", "tools"],
  tools: ["components", "destinations", "promises", "service", "stacks", "test"],
  test: FOLDERS,
};

const only = (allowed) => (allowed.length ? allowed.map((a) => `${a}/`).join(", ") : "nothing of the repository");
const zones = Object.entries(MAY_IMPORT).flatMap(([target, allowed]) =>
  FOLDERS.filter((f) => f !== target && !allowed.includes(f)).map((from) => ({
    target: `./${target}`,
    from: `./${from}`,
    message: `${target}/ may import only ${only(allowed)} (ARCHITECTURE.md)`,
  })),
);
// The shared vocabulary is a leaf: it imports nothing of the repository.
for (const from of FOLDERS) {
  zones.push({
    target: "./components/vocabulary",
    from: `./${from}`,
    ...(from === "components" ? { except: ["./vocabulary"] } : {}),
    message: "components/vocabulary/ is the leaf everyone may use: it imports nothing of the repository (ARCHITECTURE.md)",
  });
}
// Programs take the toolchain passed in; only entry points (index.ts, start.ts, local-platform/) import tools/.
for (const target of ["./stacks/platform.ts", "./stacks/config.ts", "./stacks/stored-requests.ts", "./stacks/stack-config.ts", "./stacks/service.ts", "./stacks/service-config.ts"]) {
  zones.push({ target, from: "./tools", message: "the platform program takes the toolchain passed in (ARCHITECTURE.md)" });
}

export default tseslint.config(
  { linterOptions: { reportUnusedDisableDirectives: "error" } },
  { ignores: ["node_modules/**", "service/ui/dist/**", "dist/**", ".plinth/**", "**/*.d.ts", "tools/cluster/**/vendor/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts", "**/*.tsx", "**/*.mts"],
    plugins: { "import-x": importX },
    settings: {
      "import-x/extensions": [".ts", ".tsx", ".mts", ".js", ".mjs"],
      "import-x/parsers": { "@typescript-eslint/parser": [".ts", ".tsx", ".mts"] },
      "import-x/resolver-next": [createNodeResolver({ extensions: [".ts", ".tsx", ".mts", ".js", ".mjs", ".json"] })],
    },
    rules: {
      "import-x/no-restricted-paths": ["error", { zones }],
      "import-x/no-cycle": ["error", { ignoreExternal: true }],
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_", caughtErrors: "none" }],
    },
  },
  {
    files: ["**/*.ts", "**/*.tsx", "**/*.mts"],
    rules: {
      // `let` declared before the closures that read it and assigned once later (handles to stop, timers).
      "prefer-const": ["error", { ignoreReadBeforeAssign: true }],
    },
  },
  {
    // Small files, one concept each (ARCHITECTURE.md); tests may be longer.
    files: ["**/*.ts", "**/*.tsx", "**/*.mts"],
    ignores: ["test/**", "components/state-store/writer.ts" /* being split into a writer and its indexers */],
    rules: { "max-lines": ["error", { max: 400 }] },
  },
  {
    // Tests read untyped JSON and build loose doubles; CLI tables are matched with their aligned spaces.
    files: ["test/**"],
    rules: { "@typescript-eslint/no-explicit-any": "off", "no-regex-spaces": "off" },
  },
  {
    files: ["**/*.mjs"],
    languageOptions: { globals: { process: "readonly", console: "readonly", URL: "readonly" } },
  },
);

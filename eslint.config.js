// Lint: type-aware rules that catch what hurts async workers (floating and
// misused promises), import cycles, and I/O imports in the pure core.
import tseslint from "typescript-eslint";
import importX from "eslint-plugin-import-x";

/** Folders that must stay pure: no node:*, NATS, process or pino imports (ARCHITECTURE decision 9). */
const pureCore = ["libs/domain/**/*.ts", "libs/events/**/*.ts", "libs/nft/render/**/*.ts"];

export default tseslint.config(
  { ignores: ["node_modules/**", ".scratch/**", "proto/gen/**", "**/*.js", "!eslint.config.js"] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { "import-x": importX },
    rules: {
      "@typescript-eslint/no-floating-promises": [
        "error",
        {
          // node:test's test()/describe() return promises that the runner awaits itself.
          allowForKnownSafeCalls: [
            { from: "package", package: "node:test", name: ["test", "describe", "it", "suite"] },
          ],
        },
      ],
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/consistent-type-imports": "error",
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_" },
      ],
      "@typescript-eslint/restrict-template-expressions": [
        "error",
        { allowNumber: true, allowBoolean: true },
      ],
      "import-x/no-cycle": "error",
    },
  },
  {
    files: pureCore,
    ignores: ["**/*.test.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            { group: ["node:*"], message: "the pure core does no I/O (ARCHITECTURE decision 9)" },
            { group: ["@nats-io/*", "pino", "prom-client"], message: "the pure core does no I/O" },
          ],
        },
      ],
      "no-restricted-globals": ["error", "process", "setTimeout", "setInterval", "fetch"],
    },
  },
  {
    files: ["eslint.config.js"],
    ...tseslint.configs.disableTypeChecked,
  },
);

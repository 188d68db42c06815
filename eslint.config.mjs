// Lint: typescript-eslint's recommended rules with type information, Pulumi's rules against
// Outputs in template literals, and the layering: no import cycles, and the library (src/) never
// imports the program or the tools.
import pulumi from "@pulumi/eslint-plugin";
import importX from "eslint-plugin-import-x";
import tseslint from "typescript-eslint";

const TOOLS = ["./plan", "./drill", "./scripts", "./bench", "./test", "./examples"];

export default tseslint.config(
    { ignores: ["dist/**", "node_modules/**", "examples/**/bin/**", "examples/**/node_modules/**", "**/*.js", "**/*.mjs"] },
    ...tseslint.configs.recommended,
    {
        files: ["**/*.ts"],
        languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
        plugins: { "@pulumi": pulumi, "import-x": importX },
        settings: {
            "import-x/extensions": [".ts", ".js"],
            "import-x/parsers": { "@typescript-eslint/parser": [".ts"] },
            "import-x/resolver": { node: { extensions: [".ts", ".js"] } },
        },
        rules: {
            "@pulumi/no-output-in-template-literal": "error",
            "@pulumi/no-output-instance-in-template-literal": "error",
            "import-x/no-cycle": "error",
            "import-x/no-restricted-paths": [
                "error",
                {
                    zones: [
                        { target: "./src", from: ["./program", ...TOOLS], message: "The library never imports the program or its tools." },
                        { target: "./program", from: TOOLS, message: "The program never imports the tools." },
                    ],
                },
            ],
            "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
        },
    },
    {
        // Tests and tools reach into Pulumi's runtime and mock payloads, which are untyped.
        files: ["test/**/*.ts", "plan/**/*.ts", "drill/**/*.ts", "scripts/**/*.ts", "bench/**/*.ts"],
        rules: { "@typescript-eslint/no-explicit-any": "off", "@typescript-eslint/no-require-imports": "off" },
    },
);

import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { CONFIG_KEYS } from "../src/config";
import { PROJECT_DIR } from "../plan/engine";
import { configTable } from "../scripts/config-table";
import { codeBlocks } from "./markdown";

const read = (file: string) => fs.readFileSync(path.join(PROJECT_DIR, file), "utf8");
const DOCS = [
    "README.md",
    ...fs.readdirSync(path.join(PROJECT_DIR, "docs")).map((file) => `docs/${file}`),
    ...["plugin-ca", "cert-manager-istio-csr", "vault-pki"].map((ex) => `examples/${ex}/README.md`),
];

describe("documentation", () => {
    it("has the configuration reference generated from the config model (npx ts-node scripts/config-table.ts)", () => {
        assert.ok(read("docs/configuration.md").includes(`${configTable()}\n`), "docs/configuration.md's table differs from scripts/config-table.ts");
    });

    it("lists every config key in docs/configuration.md with its default", () => {
        const page = read("docs/configuration.md");
        for (const spec of CONFIG_KEYS) {
            const row = page.split("\n").find((line) => line.startsWith(`| \`${spec.key}\``));
            assert.ok(row, `docs/configuration.md has a row for ${spec.key}`);
            if (spec.default !== undefined) assert.ok(row.includes(`\`${spec.default}\``), `the row of ${spec.key} shows default ${spec.default}`);
        }
    });

    it("keeps README to what it is, the two quick-start commands, the CA modes, the library, and links", () => {
        const readme = read("README.md");
        assert.deepEqual(
            readme.split("\n").filter((line) => line.startsWith("## ")),
            ["## Quick start (no cluster needed)", "## CA modes", "## Using the library", "## Documentation"],
        );
        assert.ok(readme.split("\n").length < 150, "README stays short; details go to docs/");
        const quickStart = codeBlocks(readme)[0].code;
        assert.match(quickStart, /^npm ci && npm run plan\b/m);
        assert.match(quickStart, /^npm test\b/m);
    });

    it("shows in README exactly the example program it names", () => {
        const readme = read("README.md");
        const ts = codeBlocks(readme).filter((block) => block.lang === "ts");
        assert.equal(ts.length, 1);
        assert.equal(ts[0].code, read("examples/plugin-ca/index.ts"));
    });

    it("closes every code fence", () => {
        for (const file of DOCS) {
            const fences = read(file)
                .split("\n")
                .filter((line) => line.startsWith("```"));
            assert.equal(fences.length % 2, 0, `${file} has an unclosed code fence`);
        }
    });

    it("links only to files that exist", () => {
        for (const file of DOCS) {
            for (const [, target] of read(file).matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)) {
                if (/^[a-z]+:/.test(target)) continue;
                assert.ok(fs.existsSync(path.join(PROJECT_DIR, path.dirname(file), target)), `${file} links to ${target}, which does not exist`);
            }
        }
    });
});

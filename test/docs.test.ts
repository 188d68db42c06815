import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { CONFIG_KEYS } from "../src/config";
import { PROJECT_DIR } from "../plan/engine";

const PROJECT_TYPES = new Set(["string", "integer", "boolean", "array"]);

describe("config documentation", () => {
    it("declares every key Pulumi can type in Pulumi.yaml, with its type", () => {
        const project = YAML.parse(fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.yaml"), "utf8"));
        const declared = project.config ?? {};
        for (const spec of CONFIG_KEYS) {
            const entry = declared[`istio-ca:${spec.key}`];
            if (PROJECT_TYPES.has(spec.type)) {
                assert.ok(entry, `istio-ca:${spec.key} is declared in Pulumi.yaml`);
                assert.equal(entry.type, spec.type, `type of istio-ca:${spec.key}`);
            } else {
                assert.equal(entry, undefined, `istio-ca:${spec.key} (${spec.type}) has no Pulumi project type`);
            }
        }
        for (const key of Object.keys(declared)) {
            assert.ok(CONFIG_KEYS.some((spec) => `istio-ca:${spec.key}` === key), `${key} in Pulumi.yaml is a real key`);
        }
    });

    it("lists every key in the README config reference with its default", () => {
        const readme = fs.readFileSync(path.join(PROJECT_DIR, "README.md"), "utf8");
        const section = readme.slice(readme.indexOf("## Configuration reference"));
        for (const spec of CONFIG_KEYS) {
            const row = section.split("\n").find((line) => line.startsWith(`| \`${spec.key}\``));
            assert.ok(row, `README has a row for ${spec.key}`);
            if (spec.default !== undefined) assert.ok(row!.includes(`\`${spec.default}\``), `README row of ${spec.key} shows default ${spec.default}`);
        }
    });
});

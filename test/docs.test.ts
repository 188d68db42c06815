import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { CONFIG_KEYS } from "../src/config";
import { PROJECT_DIR } from "../plan/engine";

describe("config documentation", () => {
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

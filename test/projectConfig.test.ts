import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { PROJECT_DIR, PlanError, listStacks, loadStackConfig, planStack, readProject } from "../plan/engine";
import { MissingConfigError, applyProjectConfig } from "../plan/projectConfig";
import { rejection } from "./helpers";

describe("project config as the Pulumi CLI merges it", () => {
    it("refuses a stack that lacks a key the project declares in its own namespace without default or value", () => {
        const declarations = { "istio-ca:caMode": { type: "string" }, "istio-ca:trustDomain": { type: "string" }, "istio-ca:roots": { type: "array" } };
        assert.throws(
            () => applyProjectConfig("istio-ca", declarations, "prod", { "istio-ca:caMode": "plugin" }),
            (err: unknown) => err instanceof MissingConfigError && err.message === "Stack 'prod' is missing configuration values 'istio-ca:roots' and 'istio-ca:trustDomain'",
        );
        assert.throws(
            () => applyProjectConfig("istio-ca", { trustDomain: { type: "string" } }, "prod", {}),
            (err: unknown) => err instanceof MissingConfigError && err.message === "Stack 'prod' is missing configuration value 'trustDomain'",
            "a key without namespace belongs to the project",
        );
    });

    it("passes a declared default (or value) to the program as a set key, and leaves other namespaces optional", () => {
        const merged = applyProjectConfig(
            "istio-ca",
            { "istio-ca:caMode": { default: "plugin" }, mtlsMode: { value: "STRICT" }, "istio-ca:roots": { default: ["a", "b"] }, "kubernetes:context": { type: "string" } },
            "prod",
            { "istio-ca:trustDomain": "prod.example.com" },
        );
        assert.deepEqual(merged, { "istio-ca:trustDomain": "prod.example.com", "istio-ca:caMode": "plugin", "istio-ca:mtlsMode": "STRICT", "istio-ca:roots": '["a","b"]' });
        assert.equal(
            applyProjectConfig("istio-ca", { "istio-ca:caMode": { default: "plugin", value: "vault" } }, "s", {})["istio-ca:caMode"],
            "plugin",
            "default wins over value, as in the CLI",
        );
    });

    it("would have refused every stack under the Pulumi.yaml that declared typed keys without defaults", () => {
        const oldProject = YAML.parse(fs.readFileSync(path.join(__dirname, "fixtures", "Pulumi.typed-keys.yaml"), "utf8"));
        const dev = loadStackConfig(path.join(PROJECT_DIR, "Pulumi.dev.yaml"));
        assert.throws(() => applyProjectConfig(oldProject.name, oldProject.config, "dev", dev.values), /Stack 'dev' is missing configuration values .*'istio-ca:vaultAddress'/);
    });

    it("accepts Pulumi.yaml with every stack file of the project, Pulumi.dev.yaml included", () => {
        const project = readProject();
        const stacks = listStacks();
        assert.ok(
            stacks.some((s) => s.stack === "dev"),
            "Pulumi.dev.yaml is among the stacks",
        );
        assert.ok(stacks.length >= 20, `found ${stacks.length} stack files`);
        for (const { stack, file } of stacks) {
            assert.doesNotThrow(() => applyProjectConfig(project.name, project.config, stack, loadStackConfig(file).values), `stack ${stack} (${file})`);
        }
    });

    it("keeps defaults in one place: Pulumi.yaml declares no key of its own namespace", () => {
        const declared = Object.keys(readProject().config ?? {});
        assert.deepEqual(
            declared.filter((key) => !key.includes(":") || key.startsWith("istio-ca:")),
            [],
        );
    });

    it("makes the offline plan refuse a stack the CLI would refuse, before the program runs", async () => {
        const dir = fs.mkdtempSync(path.join(require("os").tmpdir(), "istio-ca-project-"));
        fs.copyFileSync(path.join(__dirname, "fixtures", "Pulumi.typed-keys.yaml"), path.join(dir, "Pulumi.yaml"));
        fs.writeFileSync(path.join(dir, "Pulumi.dev.yaml"), "config:\n  istio-ca:caMode: plugin\n");
        const err = await rejection(planStack({ stack: "dev", projectDir: dir }));
        fs.rmSync(dir, { recursive: true, force: true });
        assert.ok(err instanceof PlanError, String(err));
        assert.match(err.message, /^Stack 'dev' is missing configuration values /);
        assert.equal((err as { registeredResources?: number }).registeredResources, undefined, "nothing ran");
    });
});

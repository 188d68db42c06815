import { strict as assert } from "assert";
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { PROJECT_DIR, PlanError, findStackConfigFile, listStacks, loadStackConfig, planStack } from "../plan/engine";
import { renderPlan } from "../plan/render";
import { isCustomResourceType, validateAnyCustomResource } from "./customResources";
import { isIssuedBy, rejection } from "./helpers";
import { checkIstiodValues } from "./istiodValueFacts";

const run = promisify(execFile);
const TS_NODE = path.join(PROJECT_DIR, "node_modules", ".bin", "ts-node");

function runPlanCli(args: string[]) {
    return run(TS_NODE, ["--transpile-only", path.join(PROJECT_DIR, "plan", "cli.ts"), ...args], { cwd: PROJECT_DIR });
}

describe("offline plan", () => {
    const stacks = listStacks();

    it("finds the default dev stack and the stacks/ configs", () => {
        const names = stacks.map((s) => s.stack);
        assert.ok(names.includes("dev"));
        assert.ok(names.includes("istiod") && names.includes("plugin"));
        assert.equal(findStackConfigFile("dev"), path.join(PROJECT_DIR, "Pulumi.dev.yaml"));
    });

    for (const { stack, file } of listStacks()) {
        it(`plans stack ${stack} (${path.relative(PROJECT_DIR, file)})`, async () => {
            const config = loadStackConfig(file);
            const phase = config.values["istio-ca:rotationPhase"] ?? "steady";
            if (phase !== "steady") {
                // A rotation step is planned after the steps before it; alone it is a first deployment, which starts at steady.
                const refused = await rejection(planStack({ stack, config }));
                assert.match(refused.message, new RegExp(`first deployment starts at steady, not ${phase}.*adopt-mid-rotation`));
                config.values["istio-ca:rotationOverride"] = "adopt-mid-rotation";
                config.values["istio-ca:rotationOverrideReason"] = "checking this step's resources alone";
            }
            const plan = await planStack({ stack, config });
            assert.equal(plan.project, "istio-ca");
            assert.equal(plan.stack, stack);
            assert.ok(plan.resources.some((r) => r.type === "istio-ca:istio:IstioControlPlane"));
            assert.ok(
                plan.resources.every((r) => r.type && r.name),
                "every resource has a type and a name",
            );
            assert.ok(!JSON.stringify(plan).includes("PRIVATE KEY"), "no private key in the plan");
            const tree = renderPlan(plan);
            assert.match(tree, new RegExp(`pulumi:pulumi:Stack istio-ca-${stack.replace(/\./g, "\\.")}`));
            // A fleet deploys the mesh once per cluster, each cluster's resources named after it.
            const clusters: string[] = config.values["istio-ca:clusters"] ? JSON.parse(config.values["istio-ca:clusters"]).map((c: { name: string }) => c.name) : [];
            const prefixes = clusters.length > 0 ? clusters.map((cluster) => `${cluster}-`) : [""];
            const alertsEnabled = loadStackConfig(file).values["istio-ca:alertsEnabled"] === "true";
            for (const prefix of prefixes) {
                assert.match(tree, new RegExp(`kubernetes:helm\\.sh/v3:Release ${prefix}istio-istiod`));
                assert.match(
                    tree,
                    new RegExp(`kubernetes:security\\.istio\\.io/v1:PeerAuthentication ${prefix}mesh-policy-mesh-default  istio-system/default`),
                    "mesh-wide mTLS policy",
                );
                assert.equal(
                    new RegExp(`kubernetes:monitoring\\.coreos\\.com/v1:PrometheusRule ${prefix}certificate-alerts-rules`).test(tree),
                    alertsEnabled,
                    "certificate alerts exactly where enabled",
                );
            }
            // One explicit Kubernetes provider per cluster, with Secrets and ConfigMaps updated in place, for every Kubernetes resource.
            const providers = plan.resources.filter((r) => r.type === "pulumi:providers:kubernetes");
            assert.deepEqual(
                providers.map((r) => r.name),
                clusters.length > 0 ? clusters.map((cluster) => `kubernetes-${cluster}`) : ["kubernetes"],
            );
            for (const provider of providers) {
                assert.equal(String(provider.inputs.enableSecretMutable), "true");
                assert.equal(String(provider.inputs.enableConfigMapMutable), "true");
            }
            const kubernetesResources = plan.resources.filter((r) => r.custom && r.type.startsWith("kubernetes:"));
            assert.ok(kubernetesResources.length >= 4);
            assert.deepEqual(
                kubernetesResources.filter((r) => !providers.some((provider) => provider.name === r.provider)).map((r) => r.name),
                [],
                "every Kubernetes resource uses an explicit provider",
            );
            const istiodReleases = plan.resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release" && (r.inputs as any).chart === "istiod");
            assert.equal(istiodReleases.length, prefixes.length);
            for (const release of istiodReleases) assert.deepEqual(checkIstiodValues(release.inputs.values), [], `${release.name} values use only keys istiod 1.30 reads`);
            const customResources = plan.resources.filter((r) => isCustomResourceType(r.type));
            assert.ok(customResources.length >= 1, "at least the mesh policy");
            for (const resource of customResources)
                assert.deepEqual(validateAnyCustomResource(resource.inputs as Record<string, unknown>), [], `${resource.type} ${resource.name} matches its CRD`);
        });
    }

    it("refuses a bad stack name and an unknown stack, listing the known ones", () => {
        assert.throws(() => findStackConfigFile("../etc"), PlanError);
        assert.throws(
            () => findStackConfigFile("nope"),
            (err: Error) => err instanceof PlanError && /Known stacks: .*dev/.test(err.message),
        );
    });

    it("refuses encrypted values it cannot decrypt", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "istio-ca-"));
        const file = path.join(dir, "Pulumi.enc.yaml");
        fs.writeFileSync(file, "config:\n  istio-ca:existingRootKey:\n    secure: v1:abc\n");
        assert.throws(() => loadStackConfig(file), /encrypted secret/);
    });

    it("turns structured and scalar YAML values into the strings Pulumi passes", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "istio-ca-"));
        const file = path.join(dir, "Pulumi.x.yaml");
        fs.writeFileSync(file, "config:\n  istio-ca:gracePeriodRatio: 0.5\n  istio-ca:list: [a, b]\n");
        assert.deepEqual(loadStackConfig(file).values, { "istio-ca:gracePeriodRatio": "0.5", "istio-ca:list": '["a","b"]' });
    });

    it("fails a bad config with the config error", async () => {
        const err = await rejection(planStack({ stack: "bad", config: { values: { "istio-ca:caMode": "nope" }, secretKeys: [] } }));
        assert.match(err.message, /istio-ca:caMode = "nope"/);
    });

    describe("command line", function () {
        this.timeout(120000);

        it("writes the JSON plan whose plug-in chain openssl-style verification accepts", async () => {
            const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "istio-ca-")), "plan.json");
            const { stdout } = await runPlanCli(["--stack", "plugin", "--json", out]);
            assert.match(stdout, /istio-ca:ca:PluginCa plugin-ca/);
            const plan = JSON.parse(fs.readFileSync(out, "utf8"));
            assert.deepEqual(Object.keys(plan).sort(), ["outputs", "project", "resources", "stack"]);
            for (const resource of plan.resources)
                assert.deepEqual(
                    Object.keys(resource)
                        .filter((k) => ["type", "name", "parent", "inputs", "outputs"].includes(k))
                        .sort(),
                    ["inputs", "name", "outputs", "parent", "type"],
                );
            const cacerts = plan.resources.find((r: any) => r.name === "plugin-ca-cacerts");
            assert.ok(isIssuedBy(cacerts.inputs.stringData["ca-cert.pem"], cacerts.inputs.stringData["root-cert.pem"]));
            assert.equal(plan.outputs.caMode, "plugin");
        });

        it("exits non-zero with a clear message on an unknown stack", async () => {
            const err = await rejection(runPlanCli(["--stack", "does-not-exist"]));
            assert.equal(err.code, 1);
            assert.match(err.stderr, /No config file for stack "does-not-exist"/);
        });

        it("exits non-zero on an unknown flag", async () => {
            const err = await rejection(runPlanCli(["--stak", "dev"]));
            assert.equal(err.code, 1);
            assert.match(err.stderr, /unknown argument "--stak"/);
        });
    });
});

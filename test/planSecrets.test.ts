import { strict as assert } from "assert";
import { execFile } from "child_process";
import { X509Certificate, createPrivateKey } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { EmulatedState, PROJECT_DIR, REDACTED, loadStackConfig, planStack } from "../plan/engine";
import { byName, planConfig, rejection } from "./helpers";

const run = promisify(execFile);
const TS_NODE = path.join(PROJECT_DIR, "node_modules", ".bin", "ts-node");

/** The in-process `revealSecrets` option (used by the rotation drill) must never reach the CLI's output. */
describe("plan secrets: revealSecrets is in-process only", function () {
    this.timeout(120000);
    const values = { caMode: "plugin", trustDomain: "secrets.example" };

    it("reveals the emulated keys only when asked, and redacts again on the next default plan", async () => {
        const revealed = await planConfig(values, { revealSecrets: true });
        const data = byName(revealed, "plugin-ca-cacerts").inputs.stringData as Record<string, string>;
        assert.match(data["ca-key.pem"], /PRIVATE KEY/);
        assert.ok(new X509Certificate(data["ca-cert.pem"]).checkPrivateKey(createPrivateKey(data["ca-key.pem"])), "the revealed key belongs to the intermediate");

        const redacted = await planConfig(values);
        assert.equal((byName(redacted, "plugin-ca-cacerts").inputs.stringData as Record<string, string>)["ca-key.pem"], REDACTED);
        assert.ok(!JSON.stringify(redacted).includes("PRIVATE KEY"));
    });

    for (const stack of ["plugin", "dev"]) {
        it(`npm run plan never prints or writes a private key (stack ${stack})`, async () => {
            const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "istio-ca-")), "plan.json");
            const { stdout, stderr } = await run(TS_NODE, ["--transpile-only", path.join(PROJECT_DIR, "plan", "cli.ts"), "--stack", stack, "--json", out], { cwd: PROJECT_DIR });
            const written = fs.readFileSync(out, "utf8");
            for (const text of [stdout, stderr, written]) assert.ok(!text.includes("PRIVATE KEY"), "no PEM private key");
            const cacerts = JSON.parse(written).resources.find((r: any) => r.name === "plugin-ca-cacerts");
            assert.equal(cacerts.inputs.stringData["ca-key.pem"], REDACTED);
        });
    }

    it("unwraps a secret nested in a secret: outputs keep each key, public certificates readable, the rest redacted", async () => {
        const plan = await planConfig(values);
        const outputs = byName(plan, "plugin-ca-cacerts").outputs.stringData as Record<string, string>;
        assert.deepEqual(Object.keys(outputs).sort(), ["ca-cert.pem", "ca-key.pem", "cert-chain.pem", "root-cert.pem"]);
        assert.match(outputs["ca-cert.pem"], /^-----BEGIN CERTIFICATE-----/);
        assert.match(outputs["root-cert.pem"], /^-----BEGIN CERTIFICATE-----/);
        assert.equal(outputs["ca-key.pem"], REDACTED);
        assert.ok(!JSON.stringify(plan).includes("4dabf18193072939515e22adb298388d"), "no wire-format signature left in the plan");
    });

    it("the plan CLI has no flag to reveal secrets", async () => {
        const err = await rejection(run(TS_NODE, ["--transpile-only", path.join(PROJECT_DIR, "plan", "cli.ts"), "--reveal-secrets"], { cwd: PROJECT_DIR }));
        assert.match(err.stderr, /unknown argument "--reveal-secrets"/);
    });

    it("carries unchanged emulated resources from plan to plan only when given an emulatedState", async () => {
        const config = loadStackConfig(path.join(PROJECT_DIR, "stacks", "Pulumi.plugin.yaml"));
        const rootOf = (plan: Awaited<ReturnType<typeof planStack>>) => String(byName(plan, "plugin-ca-root-primary").outputs.certPem);
        const fresh = [await planStack({ stack: "plugin", config }), await planStack({ stack: "plugin", config })];
        assert.notEqual(rootOf(fresh[0]), rootOf(fresh[1]), "without state every plan generates new keys");

        const state: EmulatedState = new Map();
        const first = await planStack({ stack: "plugin", config, emulatedState: state });
        const again = await planStack({ stack: "plugin", config, emulatedState: state });
        assert.equal(rootOf(again), rootOf(first));
        const changed = await planStack({ stack: "plugin", config: { ...config, values: { ...config.values, "istio-ca:intermediateValidity": "4380h" } }, emulatedState: state });
        assert.equal(rootOf(changed), rootOf(first), "the root's inputs did not change");
        const intermediate = (plan: typeof first) => String(byName(plan, "plugin-ca-intermediate-primary").outputs.certPem);
        assert.notEqual(intermediate(changed), intermediate(first), "the intermediate's validity changed, so it is re-issued");
        assert.ok(!JSON.stringify(changed).includes("PRIVATE KEY"), "still redacted");
    });
});

import { strict as assert } from "assert";
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { PROJECT_DIR, PlanResult } from "../plan/engine";
import { sha256Fingerprint, splitPemCertificates } from "../src/pki";
import { generateKey, selfSignedCertificate } from "../plan/x509";
import { byName, byType, isIssuedBy, planConfig, rejection } from "./helpers";
import { ADOPT_MID_ROTATION, T0, assertNothingRegistered as assertNoResourceRegistered, at, planExampleStack, planSequence, rotationSteps, stateOf } from "./rotationSteps";

/** The example sequence, each update as late as the guard requires (max TTL 48h + delay 1h). */
const STEPS = rotationSteps("rotation-", { retireAt: 25 + 49, steadyAt: 100 });

const planStep = (stack: string, previous: PlanResult | undefined, now: Date, extra: Record<string, string> = {}) =>
    planExampleStack("rotation", stack, previous, now, { overrides: extra });

const rootCertOf = (plan: PlanResult, root: string) => String(byName(plan, `plugin-ca-root-${root}`).outputs.certPem);
const cacertsOf = (plan: PlanResult) => byName(plan, "plugin-ca-cacerts").inputs.stringData as Record<string, string>;

/** The only resource a refused update may have registered, the read of its previous outputs, and a message saying so. */
function assertNothingRegistered(err: Error & Record<string, any>): void {
    assertNoResourceRegistered(err);
    assert.match(err.message, /nothing was changed/);
}

describe("root rotation on the plug-in CA (offline plans, real X.509)", () => {
    const plans: PlanResult[] = [];
    before(async () => {
        plans.push(...(await planSequence(STEPS, (step, previous, now) => planStep(step.stack, previous, now))));
    });

    STEPS.forEach((step, index) => {
        describe(`step ${index + 1}: ${step.stack}`, () => {
            it(`the intermediate chains to ${step.signing} only`, () => {
                const plan = plans[index];
                const data = cacertsOf(plan);
                const signing = rootCertOf(plan, step.signing);
                assert.ok(isIssuedBy(data["ca-cert.pem"], signing), `intermediate issued by ${step.signing}`);
                for (const other of step.roots.filter((root) => root !== step.signing)) {
                    assert.ok(!isIssuedBy(data["ca-cert.pem"], rootCertOf(plan, other)), `intermediate not issued by ${other}`);
                }
                assert.equal(data["cert-chain.pem"], data["ca-cert.pem"] + signing);
                const intermediates = byType(plan, "tls:index/locallySignedCert:LocallySignedCert").map((r) => r.name);
                assert.deepEqual(intermediates, [`plugin-ca-intermediate-${step.signing}`], "intermediate resources are named by their signing root");
            });

            it(`the bundle holds ${step.trusted.join(" + ")}`, () => {
                const plan = plans[index];
                const bundle = splitPemCertificates(cacertsOf(plan)["root-cert.pem"]);
                const expected = step.trusted.map((root) => sha256Fingerprint(rootCertOf(plan, root)));
                assert.deepEqual(bundle.map(sha256Fingerprint), expected);
                for (const pem of bundle) assert.ok(isIssuedBy(pem, pem), "each bundle entry is a self-signed root");
                assert.deepEqual(plan.outputs.trustedRootFingerprints, expected);
                assert.equal(plan.outputs.signingRootFingerprint, sha256Fingerprint(rootCertOf(plan, step.signing)));
            });

            it("keeps every configured root generated and protected", () => {
                const plan = plans[index];
                const rootResources = plan.resources.filter((r) => r.name.startsWith("plugin-ca-root-"));
                assert.deepEqual(rootResources.map((r) => r.name).sort(), step.roots.flatMap((root) => [`plugin-ca-root-${root}`, `plugin-ca-root-${root}-key`]).sort());
                assert.ok(rootResources.every((r) => r.protect));
            });

            it("runs istiod and proxies with the multi-root settings", () => {
                const istiod = byType(plans[index], "kubernetes:helm.sh/v3:Release").find((r) => r.inputs.chart === "istiod")!;
                const values = istiod.inputs.values as any;
                assert.equal(values.env.ISTIO_MULTIROOT_MESH, "true");
                assert.equal(values.meshConfig.defaultConfig.proxyMetadata.PROXY_CONFIG_XDS_AGENT, "true");
            });
        });
    });

    it("records each phase's start once, at the update that entered it", () => {
        const states = plans.map(stateOf);
        assert.deepEqual(
            states.map((s) => s.phase),
            ["steady", "trust-both", "sign-new", "retire-old", "steady"],
        );
        assert.deepEqual(states[3].phaseStartedAt, {
            steady: at(0).toISOString(),
            "trust-both": at(24).toISOString(),
            "sign-new": at(25).toISOString(),
            "retire-old": at(74).toISOString(),
        });
        assert.deepEqual(states[3].signedUntil, { r2026: at(25).toISOString() });
        assert.deepEqual(states[4].phaseStartedAt, { steady: at(100).toISOString() });
    });

    it("re-running a phase later keeps its recorded start time", async () => {
        const rerun = await planStep("rotation-3-sign-new", plans[2], at(40));
        assert.deepEqual(stateOf(rerun).phaseStartedAt, stateOf(plans[2]).phaseStartedAt);
    });

    it("refuses a step of the example alone, as a first deployment, unless a mesh mid-rotation is adopted", async () => {
        const err = await rejection(planStep("rotation-4-retire-old", undefined, T0));
        assertNothingRegistered(err);
        assert.match(err.message, /first deployment starts at steady, not retire-old/);
        const alone = await planStep("rotation-4-retire-old", undefined, T0, ADOPT_MID_ROTATION);
        assert.deepEqual(stateOf(alone).phaseStartedAt, { "retire-old": T0.toISOString() });
        assert.deepEqual(stateOf(alone).signedUntil, { r2026: T0.toISOString() });
    });

    it("reads its own stack's previous outputs (by bare name on a self-managed backend), or the configured state stack", async () => {
        const own = byType(plans[1], "pulumi:pulumi:StackReference")[0];
        assert.equal(own.inputs.name, "rotation");
        const other = await planStep("rotation-1-steady", undefined, T0, { rotationStateStack: "acme/istio-ca/prod" });
        assert.equal(byType(other, "pulumi:pulumi:StackReference")[0].inputs.name, "acme/istio-ca/prod");
    });

    describe("refusals register nothing", () => {
        it("a skipped phase (steady -> sign-new)", async () => {
            const err = await rejection(planStep("rotation-3-sign-new", plans[0], at(200)));
            assertNothingRegistered(err);
            assert.match(err.message, /steady \[r2026\] -> sign-new \[r2026, r2027\] skips trust-both/);
        });

        it("a root swapped without a rotation (steady r2026 -> steady r2027)", async () => {
            const err = await rejection(planStep("rotation-5-steady", plans[0], at(200)));
            assertNothingRegistered(err);
            assert.match(err.message, /replaces the root in one step/);
        });

        it("sign-new within the propagation delay", async () => {
            const err = await rejection(planStep("rotation-3-sign-new", plans[1], at(24.5)));
            assertNothingRegistered(err);
            assert.match(err.message, /sign-new too early/);
        });

        it("retire-old while old-root workload certificates may be alive, without the override", async () => {
            const err = await rejection(planStep("rotation-4-retire-old", plans[2], at(25 + 48)));
            assertNothingRegistered(err);
            assert.match(err.message, /retire-old too early.*r2026 stopped signing at 2026-06-02T09:00:00.000Z/);
            assert.match(err.message, /until 2026-06-04T10:00:00.000Z/);
        });

        it("a change of caMode on a live mesh", async () => {
            const err = await rejection(planConfig({ caMode: "istiod" }, { stack: "rotation", previousOutputs: plans[0].outputs, now: at(1) }));
            assertNothingRegistered(err);
            assert.match(err.message, /caMode changes from plugin to istiod on a live mesh/);
        });

        it("an override left over from an earlier update", async () => {
            const err = await rejection(
                planStep("rotation-4-retire-old", plans[3], at(80), { rotationOverride: "retire-old-early", rotationOverrideReason: "used at the previous update" }),
            );
            assertNothingRegistered(err);
            assert.match(err.message, /does not need it/);
        });
    });

    it("retire-old early goes ahead with the named override and a reason, and records them", async () => {
        const plan = await planStep("rotation-4-retire-old", plans[2], at(26), {
            rotationOverride: "retire-old-early",
            rotationOverrideReason: "r2026 key exposed in an incident",
        });
        const bundle = splitPemCertificates(cacertsOf(plan)["root-cert.pem"]);
        assert.deepEqual(bundle.map(sha256Fingerprint), [sha256Fingerprint(rootCertOf(plan, "r2027"))]);
        assert.deepEqual(stateOf(plan).lastOverride, {
            name: "retire-old-early",
            reason: "r2026 key exposed in an incident",
            at: at(26).toISOString(),
            transition: "sign-new [r2026, r2027] -> retire-old [r2026, r2027]",
        });
    });

    it("moves a live istiod mesh to the plug-in CA by adopting istiod's root, then starts rotating it away", async () => {
        const key = generateKey("ECDSA", { ecdsaCurve: "P256" });
        const istiodRoot = await selfSignedCertificate(key.privateKeyPem, {
            subject: { commonName: "istiod self-signed", organization: "cluster.local" },
            validityHours: 87600,
            isCa: true,
            allowedUses: ["cert_signing", "crl_signing"],
            setSubjectKeyId: true,
        });
        const live = await planConfig({ caMode: "istiod" }, { now: at(0) });
        const adopt = { caMode: "plugin", existingRootCert: istiodRoot.certPem, existingRootKey: key.privateKeyPem };
        const secret = { secretKeys: ["existingRootKey"] };

        assertNothingRegistered(await rejection(planConfig(adopt, { ...secret, previousOutputs: live.outputs, now: at(1) })));
        const adopted = await planConfig(
            { ...adopt, rotationOverride: "change-ca-mode", rotationOverrideReason: "adopting istiod's own root" },
            { ...secret, previousOutputs: live.outputs, now: at(1) },
        );
        assert.equal(cacertsOf(adopted)["root-cert.pem"], istiodRoot.certPem, "the trusted root does not change");
        assert.ok(isIssuedBy(cacertsOf(adopted)["ca-cert.pem"], istiodRoot.certPem));
        assert.equal(stateOf(adopted).lastOverride?.transition, "caMode istiod -> plugin");

        const trustBoth = await planConfig({ ...adopt, roots: '["primary","r2027"]', rotationPhase: "trust-both" }, { ...secret, previousOutputs: adopted.outputs, now: at(2) });
        const bundle = splitPemCertificates(cacertsOf(trustBoth)["root-cert.pem"]);
        assert.deepEqual(bundle.map(sha256Fingerprint), [sha256Fingerprint(istiodRoot.certPem), sha256Fingerprint(rootCertOf(trustBoth, "r2027"))]);
        assert.ok(isIssuedBy(cacertsOf(trustBoth)["ca-cert.pem"], istiodRoot.certPem));
    });

    describe("command line", function () {
        this.timeout(120000);
        const run = promisify(execFile);
        const cli = (args: string[]) =>
            run(path.join(PROJECT_DIR, "node_modules", ".bin", "ts-node"), ["--transpile-only", path.join(PROJECT_DIR, "plan", "cli.ts"), ...args], { cwd: PROJECT_DIR });

        it("feeds a previous plan with --previous and refuses an early retire-old, exiting 1", async () => {
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "istio-ca-rotation-"));
            const previous = path.join(dir, "sign-new.json");
            fs.writeFileSync(previous, JSON.stringify(plans[2]));
            const step = ["--stack", "rotation", "--config-file", path.join("stacks", "rotation", "Pulumi.rotation-4-retire-old.yaml")];
            const err = await rejection(cli([...step, "--previous", previous, "--now", at(30).toISOString()]));
            assert.equal(err.code, 1);
            assert.match(err.stderr, /retire-old too early/);
            const out = path.join(dir, "retire-old.json");
            const { stdout } = await cli([...step, "--previous", previous, "--now", at(80).toISOString(), "--json", out]);
            assert.match(stdout, /plugin-ca-intermediate-r2027/);
            const plan = JSON.parse(fs.readFileSync(out, "utf8"));
            assert.equal(plan.outputs.rotationState.phase, "retire-old");
            assert.equal(plan.outputs.trustedRootFingerprints.length, 1);
        });
    });
});

import { strict as assert } from "assert";
import { X509Certificate } from "crypto";
import { PlanResult } from "../plan/engine";
import { RotationSettings } from "../src/rotation";
import { DesiredRotation, guardRotation } from "../program/rotationGuard";
import { RootParameters } from "../program/rotationState";
import { byName, byType, planConfig, rejection } from "./helpers";
import { desiredRotation } from "./rotationFixtures";
import { assertNothingRegistered, at, stateOf } from "./rotationSteps";
import { VAULT_BASE, VAULT_TYPES } from "./vaultTypes";

const TIMING = { oldChainLifetimeMs: 48 * 3600000, propagationDelayMs: 3600000 };
const P384: RootParameters = { commonName: "istio-ca root", organization: "istio-ca", keyAlgorithm: "ECDSA-P384", validityHours: 87600, maxPathLength: 1 };

function desired(settings: RotationSettings, rootParameters: RootParameters, extra: Partial<DesiredRotation> = {}): DesiredRotation {
    return desiredRotation(settings, { rootParameters, ...extra });
}

describe("root parameters in the rotation state", () => {
    const steady = guardRotation({ previous: { kind: "none" }, desired: desired({ phase: "steady", roots: ["r1"] }, P384), timing: TIMING, now: at(0) });
    const recorded = steady.allowed ? steady.state : assert.fail("first deployment refused");

    it("records what each generated root was made with", () => {
        assert.deepEqual(recorded.rootParameters, { r1: P384 });
    });

    it("refuses a change of the newest root's subject, key or lifetime, naming the keys and the rotation that would apply it", () => {
        const cases: [Partial<RootParameters>, RegExp][] = [
            [{ validityHours: 43800 }, /istio-ca:rootValidity 87600h, and the config now says 43800h/],
            [{ keyAlgorithm: "RSA-4096" }, /istio-ca:rootKeyAlgorithm "ECDSA-P384", and the config now says "RSA-4096"/],
            [{ commonName: "prod mesh root" }, /istio-ca:rootCommonName "istio-ca root"/],
            [{ organization: "acme" }, /istio-ca:organization "istio-ca"/],
            [{ maxPathLength: 2 }, /the path length the program gives roots 1/],
        ];
        for (const [change, message] of cases) {
            const verdict = guardRotation({
                previous: { kind: "state", state: recorded },
                desired: desired({ phase: "steady", roots: ["r1"] }, { ...P384, ...change }),
                timing: TIMING,
                now: at(1),
            });
            assert.ok(!verdict.allowed, JSON.stringify(change));
            const text = verdict.problems.join("\n");
            assert.match(text, message);
            assert.match(text, /set istio-ca:roots to \[r1, <new root>\] and istio-ca:rotationPhase to trust-both/);
        }
    });

    it("makes a new root with the new settings while the old root keeps its own, and then holds the config to the new root", () => {
        const p256 = { ...P384, keyAlgorithm: "ECDSA-P256", validityHours: 43800 };
        const start = guardRotation({
            previous: { kind: "state", state: recorded },
            desired: desired({ phase: "trust-both", roots: ["r1", "r2"] }, p256),
            timing: TIMING,
            now: at(1),
        });
        assert.ok(start.allowed, JSON.stringify(start));
        assert.deepEqual(start.rootParameters, { r1: P384, r2: p256 });
        assert.deepEqual(start.state.rootParameters, { r1: P384, r2: p256 });
        // Going back to the old settings now would change r2, the newest root.
        const back = guardRotation({
            previous: { kind: "state", state: start.state },
            desired: desired({ phase: "trust-both", roots: ["r1", "r2"] }, P384),
            timing: TIMING,
            now: at(2),
        });
        assert.ok(!back.allowed && /root r2 was made with .*finish the rotation in progress/.test(back.problems.join()), JSON.stringify(back));
    });

    it("adopts the config's parameters for a root a previous release recorded none for", () => {
        const legacy = guardRotation({
            previous: { kind: "legacy", caMode: "plugin" },
            desired: desired({ phase: "steady", roots: ["primary"] }, P384),
            timing: TIMING,
            now: at(0),
        });
        assert.ok(legacy.allowed);
        assert.deepEqual(legacy.state.rootParameters, { primary: P384 });
    });

    it("keeps existing roots out of it: their certificate is their parameters", () => {
        const existing = guardRotation({
            previous: { kind: "none" },
            desired: desired({ phase: "steady", roots: ["r1"] }, P384, { rootSources: { r1: `existing sha256:${"a".repeat(64)}` } }),
            timing: TIMING,
            now: at(0),
        });
        assert.ok(existing.allowed);
        assert.deepEqual(existing.state.rootParameters, {});
    });
});

describe("root parameters in plans", () => {
    const rootCert = (plan: PlanResult, root: string) => new X509Certificate(String(byName(plan, `plugin-ca-root-${root}`).outputs.certPem));

    it("refuses a changed rootValidity at steady before registering anything, and applies it to the next root only", async () => {
        const first = await planConfig({ caMode: "plugin", roots: '["r1"]' }, { stack: "params", now: at(0) });
        const err = await rejection(planConfig({ caMode: "plugin", roots: '["r1"]', rootValidity: "43800h" }, { stack: "params", previousOutputs: first.outputs, now: at(1) }));
        assertNothingRegistered(err);
        assert.match(err.message, /root r1 was made with istio-ca:rootValidity 87600h, and the config now says 43800h/);
        const trustBoth = await planConfig(
            { caMode: "plugin", roots: '["r1","r2"]', rotationPhase: "trust-both", rootValidity: "43800h", rootKeyAlgorithm: "ECDSA-P256" },
            { stack: "params", previousOutputs: first.outputs, now: at(2) },
        );
        const [r1, r2] = [byName(trustBoth, "plugin-ca-root-r1"), byName(trustBoth, "plugin-ca-root-r2")];
        assert.equal(r1.inputs.validityPeriodHours, 87600, "r1's inputs are unchanged, so it is not replaced");
        assert.equal(byName(trustBoth, "plugin-ca-root-r1-key").inputs.ecdsaCurve, "P384");
        assert.equal(r2.inputs.validityPeriodHours, 43800);
        assert.equal(byName(trustBoth, "plugin-ca-root-r2-key").inputs.ecdsaCurve, "P256");
        assert.ok(Date.parse(rootCert(trustBoth, "r2").validTo) - Date.parse(rootCert(trustBoth, "r2").validFrom) <= 43800 * 3600000 + 60000);
        assert.deepEqual(stateOf(trustBoth).rootParameters.r1.validityHours, 87600);
    });

    it("holds Vault roots to their parameters too (Vault would keep the old certificate on a TTL change)", async () => {
        const first = await planConfig({ ...VAULT_BASE }, { stack: "params-vault", now: at(0) });
        assert.deepEqual(stateOf(first).rootParameters, {
            primary: { commonName: "istio-ca root vault", organization: "istio-ca", keyAlgorithm: "ECDSA-P384", validityHours: 87600, maxPathLength: 2 },
        });
        const err = await rejection(planConfig({ ...VAULT_BASE, rootValidity: "70000h" }, { stack: "params-vault", previousOutputs: first.outputs, now: at(1) }));
        assert.match(err.message, /root primary was made with istio-ca:rootValidity 87600h/);
        assert.equal(byType(first, VAULT_TYPES.root).length, 1);
    });

    it("holds an in-cluster cert-manager root to its parameters: cert-manager would re-issue it", async () => {
        const first = await planConfig({ caMode: "cert-manager", certManagerRoot: "in-cluster" }, { stack: "params-in-cluster", now: at(0) });
        assert.equal(stateOf(first).rootParameters.primary.maxPathLength, null);
        const err = await rejection(
            planConfig(
                { caMode: "cert-manager", certManagerRoot: "in-cluster", rootKeyAlgorithm: "RSA-4096" },
                { stack: "params-in-cluster", previousOutputs: first.outputs, now: at(1) },
            ),
        );
        assert.match(err.message, /root primary was made with istio-ca:rootKeyAlgorithm "ECDSA-P384"/);
    });
});

import { strict as assert } from "assert";
import { RotationSettings, bundlesNested, rotationPlan, rotationTiming } from "../src/rotation";
import { guardRotation } from "../program/rotationGuard";
import { RotationState } from "../program/rotationState";
import { ID, fromV1 } from "./rotationFixtures";
import { vaultCacertsCommonName, vaultEffectiveBundle, vaultIntermediateNaming, vaultRootNaming, vaultTrustAnchorValues } from "../src/vaultRotation";
import { legalSteps } from "./rotationSteps";

const HOUR = 3600000;
const MODEL = { workloadCerts: { ttlMs: 24 * HOUR, maxTtlMs: 48 * HOUR, gracePeriodRatio: 0.5 }, rotation: { phase: "steady" as const, roots: ["r1"], propagationDelayMs: HOUR } };

describe("Vault rotation naming", () => {
    it("names a root's issuer and subject after the root, and keeps the default root's pre-rotation names", () => {
        assert.deepEqual(vaultRootNaming("r2027", "istio-ca root vault"), { resourceSuffix: "-r2027", issuerName: "r2027", commonName: "istio-ca root vault r2027" });
        assert.deepEqual(vaultRootNaming("primary", "istio-ca root vault"), { resourceSuffix: "", issuerName: "istio-root", commonName: "istio-ca root vault" });
    });

    it("names the intermediate by its signing root, so a new signing root means a new intermediate", () => {
        assert.deepEqual(vaultIntermediateNaming("r2027", "org vault intermediate"), {
            resourceSuffix: "-r2027",
            issuerName: "istio-intermediate-r2027",
            commonName: "org vault intermediate r2027",
        });
        assert.deepEqual(vaultIntermediateNaming("primary", "org vault intermediate"), {
            resourceSuffix: "",
            issuerName: "istio-intermediate",
            commonName: "org vault intermediate",
        });
        assert.notEqual(vaultIntermediateNaming("r1", "x").issuerName, vaultIntermediateNaming("r2", "x").issuerName);
    });

    it("changes istiod's cacerts CN exactly when the signing root changes, so cert-manager re-issues then", () => {
        for (const { from, to } of legalSteps()) {
            const [a, b] = [rotationPlan(from).signingRoot, rotationPlan(to).signingRoot];
            assert.equal(
                vaultCacertsCommonName("istio-ca intermediate", a) !== vaultCacertsCommonName("istio-ca intermediate", b),
                a !== b,
                `${JSON.stringify(from)} -> ${JSON.stringify(to)}`,
            );
        }
        assert.equal(vaultCacertsCommonName("istio-ca intermediate", "primary"), "istio-ca intermediate");
    });
});

describe("Vault rotation trust anchors", () => {
    it("lists every trusted root as a plain {pem} trust anchor", () => {
        assert.deepEqual(vaultTrustAnchorValues(["A", "B"]), { meshConfig: { caCertificates: [{ pem: "A" }, { pem: "B" }] } });
        assert.throws(() => vaultTrustAnchorValues([]), /at least one/);
    });

    it("keeps the bundle rules in every legal step while cacerts' ca.crt still holds the previous signing root", () => {
        let checked = 0;
        for (const { from, to } of legalSteps()) {
            const [a, b] = [rotationPlan(from), rotationPlan(to)];
            const before = vaultEffectiveBundle(a.trustedRoots, a.signingRoot);
            // Just after the update (ca.crt not yet re-issued), then once cert-manager has re-issued.
            for (const after of [vaultEffectiveBundle(b.trustedRoots, a.signingRoot), vaultEffectiveBundle(b.trustedRoots, b.signingRoot)]) {
                assert.ok(bundlesNested(before, after), `${JSON.stringify(from)} -> ${JSON.stringify(to)}: [${before}] vs [${after}]`);
                for (const signer of [a.signingRoot, b.signingRoot]) assert.ok(after.includes(signer), `${signer} trusted after ${JSON.stringify(to)}`);
                checked++;
            }
        }
        assert.ok(checked > 40, `${checked} cases`);
    });

    it("would drop the new root at sign-new if only the roots besides the signing one were listed (why all are)", () => {
        const signNew = rotationPlan({ phase: "sign-new", roots: ["r1", "r2"] });
        // ca.crt still holds r1 until cert-manager re-issues cacerts from r2's intermediate.
        const extrasOnly = vaultEffectiveBundle(signNew.extraTrustedRoots, "r1");
        assert.deepEqual(extrasOnly, ["r1"], "r2 would leave the bundle just before it starts signing");
        assert.deepEqual(vaultEffectiveBundle(signNew.trustedRoots, "r1"), ["r1", "r2"]);
    });
});

describe("Vault rotation timing", () => {
    const vaultModel = (delivery: "cacerts" | "istio-csr") =>
        ({ ...MODEL, caMode: "vault" as const, certManager: { delivery } }) as unknown as Parameters<typeof rotationTiming>[0];

    it("istio-csr: the role's max TTL bounds the old chain; cacerts: plus one propagation delay for re-issue and reload", () => {
        assert.deepEqual(rotationTiming(vaultModel("istio-csr")), { oldChainLifetimeMs: 48 * HOUR, propagationDelayMs: HOUR });
        assert.deepEqual(rotationTiming(vaultModel("cacerts")), { oldChainLifetimeMs: 49 * HOUR, propagationDelayMs: HOUR });
    });

    it("the guard reads a Vault stack that recorded no roots as steady on primary", () => {
        const before: RotationState = fromV1({
            caMode: "vault",
            phase: "steady",
            roots: [],
            trustedRoots: [],
            signingRoot: null,
            multiRootEnabled: true,
            phaseStartedAt: { steady: "2026-05-01T00:00:00.000Z" },
            signedUntil: {},
            rootSources: {},
        });
        const desired = (settings: RotationSettings) => ({
            identity: ID,
            caMode: "vault" as const,
            rotating: true,
            settings,
            rootSources: Object.fromEntries(settings.roots.map((r) => [r, "generated"])),
            multiRootEnabled: true,
        });
        const now = new Date("2026-06-01T00:00:00Z");
        const timing = rotationTiming(vaultModel("cacerts"));
        const same = guardRotation({ previous: { kind: "state", state: before }, desired: desired({ phase: "steady", roots: ["primary"] }), timing, now });
        assert.equal(same.allowed && same.kind, "unchanged");
        const start = guardRotation({ previous: { kind: "state", state: before }, desired: desired({ phase: "trust-both", roots: ["primary", "r2"] }), timing, now });
        assert.equal(start.allowed && start.kind, "start");
        const swap = guardRotation({ previous: { kind: "state", state: before }, desired: desired({ phase: "steady", roots: ["r2"] }), timing, now });
        assert.ok(!swap.allowed && /replaces the root in one step/.test(swap.problems.join()));
        // A mode that does not rotate keeps recording no roots.
        const other = guardRotation({
            previous: { kind: "state", state: { ...before, caMode: "istiod" } },
            desired: { ...desired({ phase: "steady", roots: [] }), caMode: "istiod", rotating: false },
            timing,
            now,
        });
        assert.ok(other.allowed && other.state.roots.length === 0);
    });
});

import { strict as assert } from "assert";
import { PlanResult, PlannedResource } from "../plan/engine";
import { RA_ROOTS_ANNOTATION, rootsDigest } from "../src/kubernetesSigner";
import { sha256Fingerprint, splitPemCertificates } from "../src/pki";
import { byName, byType, isIssuedBy, rejection } from "./helpers";
import { RotationStep, assertNothingRegistered, at, planExampleStack, planSequence, stateOf } from "./rotationSteps";

const HOUR = 3600000;

/** stacks/rotation-ambient (maxWorkloadCertTtl 24h, delay 1h): sign-new 13h15m after trust-both at the earliest, retire-old 25h after sign-new. */
const STEPS: RotationStep[] = [
    { stack: "rotation-ambient-1-steady", hour: 0, trusted: ["r2026"], signing: "r2026", roots: ["r2026"] },
    { stack: "rotation-ambient-2-trust-both", hour: 24, trusted: ["r2026", "r2027"], signing: "r2026", roots: ["r2026", "r2027"] },
    { stack: "rotation-ambient-3-sign-new", hour: 24 + 13.25, trusted: ["r2026", "r2027"], signing: "r2027", roots: ["r2026", "r2027"] },
    { stack: "rotation-ambient-4-retire-old", hour: 24 + 13.25 + 25, trusted: ["r2027"], signing: "r2027", roots: ["r2026", "r2027"] },
];

const release = (plan: PlanResult, chart: string): PlannedResource | undefined => byType(plan, "kubernetes:helm.sh/v3:Release").find((r) => r.inputs.chart === chart);
const rootCertOf = (plan: PlanResult, root: string) => String(byName(plan, `plugin-ca-root-${root}`).outputs.certPem);
const cacertsOf = (plan: PlanResult) => byName(plan, "plugin-ca-cacerts").inputs.stringData as Record<string, string>;

describe("root rotation in ambient mode on the plug-in CA (stacks/rotation-ambient, offline plans, real X.509)", function () {
    this.timeout(120000);
    let plans: PlanResult[] = [];
    before(async () => {
        plans = await planSequence(STEPS, (step, previous, now) => planExampleStack("rotation-ambient", step.stack, previous, now));
    });

    it("puts every trusted root of the phase in root-cert.pem, the bundle istiod appends to every certificate ztunnel gets", () => {
        STEPS.forEach((step, index) => {
            const plan = plans[index];
            const data = cacertsOf(plan);
            assert.deepEqual(
                splitPemCertificates(data["root-cert.pem"]).map(sha256Fingerprint),
                step.trusted.map((root) => sha256Fingerprint(rootCertOf(plan, root))),
                step.stack,
            );
            assert.ok(isIssuedBy(data["ca-cert.pem"], rootCertOf(plan, step.signing)), `${step.stack}: intermediate from ${step.signing}`);
            assert.ok(release(plan, "ztunnel") && release(plan, "cni"), `${step.stack}: the ambient data plane in every phase`);
            assert.equal((release(plan, "istiod")!.inputs.values as any).profile, "ambient");
        });
    });

    it("refuses sign-new at the sidecar wait, naming ztunnel's renewal, and takes it once every identity can have renewed", async () => {
        const early = await rejection(planExampleStack("rotation-ambient", "rotation-ambient-3-sign-new", plans[1], at(25)));
        assertNothingRegistered(early);
        assert.match(early.message, /sign-new too early.*until 2026-06-02T21:15:00\.000Z \(istio-ca:rotationPropagationDelay 1h \+ 12h15m for every ztunnel identity to renew/);
        assert.equal(stateOf(plans[2]).phase, "sign-new");
        assert.deepEqual(stateOf(plans[2]).timing, { oldChainLifetimeMs: 24 * HOUR, propagationDelayMs: HOUR, peerRootRefreshMs: 12.25 * HOUR });
        const retireEarly = await rejection(planExampleStack("rotation-ambient", "rotation-ambient-4-retire-old", plans[2], at(24 + 13.25 + 24.5)));
        assert.match(retireEarly.message, /retire-old too early.*longest certificate lifetime 24h \+ istio-ca:rotationPropagationDelay 1h/);
    });
});

describe("root rotation in ambient mode with the Kubernetes CSR API (stacks/rotation-kubernetes, dataPlane ambient)", function () {
    this.timeout(120000);
    /** maxWorkloadCertTtl 48h: sign-new 25h15m after trust-both, retire-old 49h after sign-new. */
    const steps: RotationStep[] = [
        { stack: "rotation-kubernetes-1-steady", hour: 0, trusted: ["r2026"], signing: "r2026", roots: ["r2026"] },
        { stack: "rotation-kubernetes-2-trust-both", hour: 24, trusted: ["r2026", "r2027"], signing: "r2026", roots: ["r2026", "r2027"] },
        { stack: "rotation-kubernetes-3-sign-new", hour: 24 + 25.25, trusted: ["r2026", "r2027"], signing: "r2027", roots: ["r2026", "r2027"] },
        { stack: "rotation-kubernetes-4-retire-old", hour: 24 + 25.25 + 49, trusted: ["r2027"], signing: "r2027", roots: ["r2026", "r2027"] },
    ];
    let plans: PlanResult[] = [];
    before(async () => {
        plans = await planSequence(steps, (step, previous, now, emulatedState) =>
            planExampleStack("rotation-kubernetes", step.stack, previous, now, { overrides: { dataPlane: "ambient" }, emulatedState }),
        );
    });

    it("gives istiod's RA exactly the phase's trusted roots, and rolls istiod only when they change", () => {
        const digests = steps.map((step, index) => {
            const plan = plans[index];
            const file = String((byName(plan, "istiod-ra-roots-roots").inputs.data as Record<string, string>)["root-cert.pem"]);
            const roots = step.trusted.map((root) => String(byName(plan, `cert-manager-root-${root}`).outputs.certPem));
            assert.deepEqual(splitPemCertificates(file).map(sha256Fingerprint), roots.map(sha256Fingerprint), step.stack);
            const annotation = (release(plan, "istiod")!.inputs.values as any).podAnnotations[RA_ROOTS_ANNOTATION];
            assert.equal(annotation, rootsDigest(file), step.stack);
            return annotation;
        });
        // steady -> trust-both: new roots; trust-both -> sign-new: the same roots (no istiod restart); sign-new -> retire-old: new roots.
        assert.notEqual(digests[1], digests[0]);
        assert.equal(digests[2], digests[1]);
        assert.notEqual(digests[3], digests[2]);
    });

    it("waits for ztunnel before sign-new here too", async () => {
        const early = await rejection(planExampleStack("rotation-kubernetes", "rotation-kubernetes-3-sign-new", plans[1], at(25), { overrides: { dataPlane: "ambient" } }));
        assertNothingRegistered(early);
        assert.match(early.message, /sign-new too early.*24h15m for every ztunnel identity to renew/);
    });
});

describe("no rotation in ambient mode with a cacerts delivery", () => {
    it("refuses trust-both before anything is registered, with the reason and the fix", async () => {
        for (const overrides of [{ dataPlane: "ambient" }, { dataPlane: "ambient", certManagerDelivery: "cacerts" }] as Record<string, string>[]) {
            const steady = await planExampleStack("rotation-cert-manager", "rotation-cert-manager-1-steady", undefined, at(0), { overrides });
            assert.ok(release(steady, "ztunnel"), "ambient at steady");
            const err = await rejection(planExampleStack("rotation-cert-manager", "rotation-cert-manager-2-trust-both", steady, at(24), { overrides }));
            assert.match(err.message, /istio-ca:rotationPhase = "trust-both": cannot rotate roots under ztunnel .*Fix: stay at steady.*certManagerDelivery istio-csr/s);
            assert.deepEqual(err.registeredTypes, [], "a refused config registers nothing");
        }
    });
});

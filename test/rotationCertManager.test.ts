import { strict as assert } from "assert";
import { X509Certificate, createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { PROJECT_DIR, PlanResult, PlannedResource } from "../plan/engine";
import { renderPlan } from "../plan/render";
import { sha256Fingerprint, splitPemCertificates } from "../src/pki";
import { validateAnyCustomResource } from "./customResources";
import { byName, byType, corpRoot, isIssuedBy, planConfig, rejection } from "./helpers";
import { unrotatedV1State } from "./rotationFixtures";
import { ADOPT_MID_ROTATION, ConfigOverrides, T0, assertNothingRegistered, at, planExampleStack, planSequence, rotationSteps, stateOf } from "./rotationSteps";

const CLUSTER_ISSUER = "kubernetes:cert-manager.io/v1:ClusterIssuer";
const SIGNER = "clusterissuers.cert-manager.io/istio-mesh-signer";

interface Variant {
    title: string;
    /** The example sequence the variant plans: `stacks/<sequence>/Pulumi.<sequence>-<n>-<phase>.yaml`. */
    sequence: string;
    /** Config keys changed from the sequence's files (null removes a key). */
    overrides: Record<string, string | null>;
    /** Resource name of the intermediate Certificate. */
    intermediate: string;
    /** PEM roots the mesh trusts, as this variant hands them to the mesh. */
    deliveredRoots(plan: PlanResult): string[];
    /** The offline plan's tree line showing the trusted roots, for the root subjects `cns`. */
    renderedTrust(cns: string[]): RegExp;
}

const escape = (text: string) => text.replace(/[[\]]/g, "\\$&");

const istiodValues = (plan: PlanResult) => byType(plan, "kubernetes:helm.sh/v3:Release").find((r) => r.inputs.chart === "istiod")!.inputs.values as any;

const VARIANTS: Variant[] = [
    {
        title: "cert-manager, cacerts delivery",
        sequence: "rotation-cert-manager",
        overrides: {},
        intermediate: "istiod-cacerts-certificate",
        deliveredRoots: (plan) => {
            const entries = istiodValues(plan).meshConfig.caCertificates as { pem: string; certSigners?: string[] }[];
            assert.ok(
                entries.every((entry) => entry.certSigners === undefined && splitPemCertificates(entry.pem).length === 1),
                "one root per entry, for every workload",
            );
            return entries.map((entry) => entry.pem);
        },
        renderedTrust: (cns) => new RegExp(`Release istio-istiod .*caCertificates=${escape(`[${cns.map((cn) => `[${cn}]`).join(", ")}]`)}`),
    },
    {
        title: "cert-manager, istio-csr delivery",
        sequence: "rotation-cert-manager",
        overrides: { certManagerDelivery: "istio-csr" },
        intermediate: "istio-csr-intermediate-certificate",
        deliveredRoots: (plan) => {
            assert.equal(istiodValues(plan).meshConfig.caCertificates, undefined, "istio-csr, not istiod, hands out the roots");
            return splitPemCertificates((byName(plan, "mesh-trust-source").inputs.data as Record<string, string>)["ca.pem"]);
        },
        renderedTrust: (cns) => new RegExp(`ConfigMap mesh-trust-source .*ca\\.pem=${escape(`[${cns.join(", ")}]`)}`),
    },
    {
        title: "kubernetes CSR signer",
        sequence: "rotation-kubernetes",
        overrides: {},
        intermediate: "mesh-signer-certificate",
        deliveredRoots: (plan) => {
            const entries = istiodValues(plan).meshConfig.caCertificates as { pem: string; certSigners: string[] }[];
            assert.equal(entries.length, 1, "one entry for the signer: istiod keeps one PEM per signer");
            assert.deepEqual(entries[0].certSigners, [SIGNER]);
            return splitPemCertificates(entries[0].pem);
        },
        renderedTrust: (cns) => new RegExp(`Release istio-istiod .*caCertificates=${escape(`[[${cns.join(", ")}]]`)}`),
    },
];

/** The example sequence, each update as late as the guard requires (max TTL 48h + delay 1h); stack names without the sequence prefix. */
const STEPS = rotationSteps("", { retireAt: 25 + 49, steadyAt: 100 });

const planStep = (variant: Variant, step: string, previous: PlanResult | undefined, now: Date, extra: ConfigOverrides = {}) =>
    planExampleStack(variant.sequence, `${variant.sequence}-${step}`, previous, now, { overrides: { ...variant.overrides, ...extra } });

/** The root PEM in a root's CA ClusterIssuer Secret, checked to be a self-signed CA named after the root. */
function rootPemOf(plan: PlanResult, root: string): string {
    const secret = byName(plan, `istio-ca-root-${root}-ca`);
    assert.equal(secret.inputs.type, "kubernetes.io/tls");
    const data = secret.inputs.stringData as Record<string, string>;
    assert.equal(data["tls.key"], "[secret]");
    assert.ok(isIssuedBy(data["tls.crt"], data["tls.crt"]), `${root} is self-signed`);
    assert.match(new X509Certificate(data["tls.crt"]).subject, new RegExp(`CN=istio-ca root ${root}`));
    assert.deepEqual((secret.inputs.metadata as any).name, `istio-ca-root-${root}-ca`, "the name the ClusterIssuer's spec.ca.secretName reads");
    const generated = byName(plan, `cert-manager-root-${root}`);
    assert.equal(data["tls.crt"], generated.outputs.certPem, `the Secret holds the generated root ${root}`);
    return data["tls.crt"];
}

const fingerprints = (pems: string[]) => pems.map(sha256Fingerprint);

for (const variant of VARIANTS) {
    describe(`root rotation, ${variant.title} (offline plans, real root PEMs)`, () => {
        const plans: PlanResult[] = [];
        before(async () => {
            plans.push(...(await planSequence(STEPS, (step, previous, now) => planStep(variant, step.stack, previous, now))));
        });

        STEPS.forEach((step, index) => {
            describe(`step ${step.stack}`, () => {
                it(`has one protected root and CA ClusterIssuer per configured root (${step.roots.join(", ")})`, () => {
                    const plan = plans[index];
                    const issuers = byType(plan, CLUSTER_ISSUER)
                        .map((r) => r.inputs as any)
                        .filter((i) => i.spec.ca?.secretName?.startsWith("istio-ca-root-"));
                    assert.deepEqual(
                        issuers.map((i) => [i.metadata.name, i.spec.ca.secretName]).sort(),
                        step.roots.map((root) => [`istio-ca-root-${root}`, `istio-ca-root-${root}-ca`]),
                    );
                    const protectedNames = plan.resources
                        .filter((r) => r.protect)
                        .map((r) => r.name)
                        .sort();
                    assert.deepEqual(
                        protectedNames,
                        step.roots.flatMap((root) => [`cert-manager-root-${root}`, `cert-manager-root-${root}-key`, `istio-ca-root-${root}-ca`]).sort(),
                    );
                    for (const root of step.roots) rootPemOf(plan, root);
                });

                it(`issues the intermediate from ${step.signing}'s ClusterIssuer`, () => {
                    const plan = plans[index];
                    const certificate = byName(plan, variant.intermediate);
                    assert.deepEqual((certificate.inputs.spec as any).issuerRef, { name: `istio-ca-root-${step.signing}`, kind: "ClusterIssuer", group: "cert-manager.io" });
                    assert.equal((certificate.inputs.spec as any).isCA, true);
                    assert.ok(
                        certificate.dependsOn.some((d) => d.startsWith(`istio-ca-root-${step.signing}`)),
                        `waits for ${step.signing}'s issuer: ${certificate.dependsOn}`,
                    );
                    assert.equal(plan.outputs.signingRootFingerprint, sha256Fingerprint(rootPemOf(plan, step.signing)));
                    assert.match(renderPlan(plan), new RegExp(`${variant.intermediate} .*issuer=ClusterIssuer/istio-ca-root-${step.signing}\\b`));
                });

                it(`trusts ${step.trusted.join(" + ")}, in the mesh and in the outputs`, () => {
                    const plan = plans[index];
                    const expected = fingerprints(step.trusted.map((root) => rootPemOf(plan, root)));
                    assert.deepEqual(fingerprints(variant.deliveredRoots(plan)), expected);
                    assert.deepEqual(plan.outputs.trustedRootFingerprints, expected);
                    assert.deepEqual(fingerprints(splitPemCertificates(String(plan.outputs.trustBundle))), expected);
                    assert.match(renderPlan(plan), variant.renderedTrust(step.trusted.map((root) => `istio-ca root ${root}`)));
                });

                it("runs istiod and proxies with the multi-root settings, and only CRD-valid custom resources", () => {
                    const plan = plans[index];
                    const values = istiodValues(plan);
                    assert.equal(values.env.ISTIO_MULTIROOT_MESH, "true");
                    assert.equal(values.meshConfig.defaultConfig.proxyMetadata.PROXY_CONFIG_XDS_AGENT, "true");
                    const customResources = plan.resources.filter((r) => /^kubernetes:[a-z.-]+\.(io|com)\/v1(alpha1)?:/.test(r.type) && !r.type.startsWith("kubernetes:helm.sh"));
                    assert.ok(customResources.length >= 3);
                    for (const resource of customResources)
                        assert.deepEqual(validateAnyCustomResource(resource.inputs as Record<string, unknown>), [], `${resource.type} ${resource.name}`);
                });
            });
        });

        it("each phase's bundle is a superset or subset of the previous one", () => {
            const names = STEPS.map((step) => step.trusted);
            for (let i = 1; i < names.length; i++) {
                const [a, b] = [names[i - 1], names[i]];
                assert.ok(a.every((r) => b.includes(r)) || b.every((r) => a.includes(r)), `${a} -> ${b}`);
            }
            assert.deepEqual(
                plans.map((plan) => (plan.outputs.trustedRootFingerprints as string[]).length),
                [1, 2, 2, 1, 1],
            );
        });

        it("records each phase, and when the old root stopped signing", () => {
            const states = plans.map(stateOf);
            assert.deepEqual(
                states.map((s) => [s.caMode, s.phase, s.signingRoot]),
                STEPS.map((step, i) => [
                    variant.sequence === "rotation-kubernetes" ? "kubernetes" : "cert-manager",
                    ["steady", "trust-both", "sign-new", "retire-old", "steady"][i],
                    step.signing,
                ]),
            );
            assert.deepEqual(states[3].signedUntil, { r2026: at(25).toISOString() });
            assert.ok(states.every((s) => s.multiRootEnabled));
        });

        describe("refusals register nothing", () => {
            it("a skipped phase (steady -> sign-new)", async () => {
                const err = await rejection(planStep(variant, "3-sign-new", plans[0], at(200)));
                assertNothingRegistered(err);
                assert.match(err.message, /steady \[r2026\] -> sign-new \[r2026, r2027\] skips trust-both/);
            });

            it("sign-new within the propagation delay", async () => {
                const err = await rejection(planStep(variant, "3-sign-new", plans[1], at(24.5)));
                assertNothingRegistered(err);
                assert.match(err.message, /sign-new too early/);
            });

            it("retire-old while old-root workload certificates may be alive, without the override", async () => {
                const err = await rejection(planStep(variant, "4-retire-old", plans[2], at(25 + 48)));
                assertNothingRegistered(err);
                assert.match(err.message, /retire-old too early.*r2026 stopped signing at 2026-06-02T09:00:00.000Z.*until 2026-06-04T10:00:00.000Z/);
            });

            it("an override left over from an earlier update", async () => {
                const err = await rejection(
                    planStep(variant, "4-retire-old", plans[3], at(80), { rotationOverride: "retire-old-early", rotationOverrideReason: "used at the previous update" }),
                );
                assertNothingRegistered(err);
                assert.match(err.message, /does not need it/);
            });

            it("a change of caMode on a live mesh", async () => {
                const err = await rejection(planStep(variant, "1-steady", plans[0], at(1), { caMode: "plugin", certManagerDelivery: null }));
                assertNothingRegistered(err);
                assert.match(err.message, /caMode changes from .* to plugin on a live mesh/);
            });
        });

        it("steps back from sign-new to trust-both: the intermediate returns to r2026's issuer, both roots stay trusted", async () => {
            const back = await planStep(variant, "2-trust-both", plans[2], at(30));
            assert.equal(stateOf(back).phase, "trust-both");
            assert.equal((byName(back, variant.intermediate).inputs.spec as any).issuerRef.name, "istio-ca-root-r2026");
            assert.deepEqual(fingerprints(variant.deliveredRoots(back)), fingerprints(["r2026", "r2027"].map((root) => rootPemOf(back, root))));
            assert.deepEqual(stateOf(back).signedUntil, { r2027: at(30).toISOString() });
        });

        it("calls the rotation off from trust-both: r2027's issuer and trust go, r2026 signs on", async () => {
            const off = await planStep(variant, "1-steady", plans[1], at(25));
            assert.equal(off.resources.filter((r) => r.name.includes("r2027")).length, 0);
            assert.equal((byName(off, variant.intermediate).inputs.spec as any).issuerRef.name, "istio-ca-root-r2026");
            assert.deepEqual(fingerprints(variant.deliveredRoots(off)), [sha256Fingerprint(rootPemOf(off, "r2026"))]);
        });

        it("retire-old early goes ahead with the named override, trusting only r2027", async () => {
            const plan = await planStep(variant, "4-retire-old", plans[2], at(26), {
                rotationOverride: "retire-old-early",
                rotationOverrideReason: "r2026 key exposed in an incident",
            });
            assert.deepEqual(fingerprints(variant.deliveredRoots(plan)), [sha256Fingerprint(rootPemOf(plan, "r2027"))]);
            assert.equal(stateOf(plan).lastOverride?.name, "retire-old-early");
        });
    });
}

describe("root rotation, cert-manager clean-up commands in docs/rotation.md", () => {
    it("unprotect exactly the old root's protected resources, by their real URNs", async () => {
        const variant = VARIANTS[0];
        const step = STEPS[3];
        const plan = await planStep(variant, step.stack, undefined, T0, ADOPT_MID_ROTATION);
        const planned = plan.resources.filter((r) => r.protect && r.name.includes("r2026")).map((r) => r.urn.replace(`urn:pulumi:${variant.sequence}::`, "urn:pulumi:prod::"));
        const readme = fs.readFileSync(path.join(PROJECT_DIR, "docs", "rotation.md"), "utf8");
        const documented = [...readme.matchAll(/pulumi state unprotect '([^']+)'/g)].map((m) => m[1]).filter((urn) => /cert-manager-root-r2026|istio-ca-root-r2026/.test(urn));
        assert.equal(planned.length, 3);
        assert.deepEqual(documented.sort(), planned.sort());
    });
});

describe("root rotation, cert-manager stacks deployed before their roots rotated", () => {
    /** The rotationState a cert-manager stack recorded while only the plug-in CA rotated. */
    const unrotated = (caMode: string) => ({ caMode, trustDomain: "cluster.local", rotationState: unrotatedV1State(caMode, T0) });
    const findIssuer = (plan: PlanResult, name: string): PlannedResource | undefined => byType(plan, CLUSTER_ISSUER).find((r) => (r.inputs.metadata as any).name === name);

    for (const caMode of ["cert-manager", "kubernetes"]) {
        it(`${caMode}: keeps the primary root's names, sets multi-root at steady, then allows trust-both`, async () => {
            const previous = unrotated(caMode);
            assertNothingRegistered(await rejection(planConfig({ caMode, roots: '["primary","r2027"]', rotationPhase: "trust-both" }, { previousOutputs: previous, now: at(1) })));
            const steady = await planConfig({ caMode }, { previousOutputs: previous, now: at(1) });
            assert.ok(findIssuer(steady, "istio-ca-root"), "the primary root keeps its ClusterIssuer name");
            assert.ok(byName(steady, "istio-ca-root-ca").protect && byName(steady, "cert-manager-root-primary").protect);
            assert.deepEqual([stateOf(steady).roots, stateOf(steady).multiRootEnabled], [["primary"], true]);
            const trustBoth = await planConfig({ caMode, roots: '["primary","r2027"]', rotationPhase: "trust-both" }, { previousOutputs: steady.outputs, now: at(2) });
            assert.ok(findIssuer(trustBoth, "istio-ca-root") && findIssuer(trustBoth, "istio-ca-root-r2027"));
            assert.equal((trustBoth.outputs.trustedRootFingerprints as string[]).length, 2);
        });
    }

    it("rotates away from an existing first root, whose PEM goes into its issuer's Secret and the trust anchors", async () => {
        const corp = await corpRoot({ key: { algorithm: "ECDSA", ecdsaCurve: "P384" } });
        const values = { caMode: "cert-manager", existingRootCert: corp.certPem, existingRootKey: corp.keyPem };
        const secret = { secretKeys: ["existingRootKey"] };
        const steady = await planConfig({ ...values, roots: '["corp"]' }, { ...secret, now: at(0) });
        const trustBoth = await planConfig({ ...values, roots: '["corp","r2027"]', rotationPhase: "trust-both" }, { ...secret, previousOutputs: steady.outputs, now: at(24) });
        assert.equal((byName(trustBoth, "istio-ca-root-corp-ca").inputs.stringData as Record<string, string>)["tls.crt"], corp.certPem);
        assert.ok(!trustBoth.resources.some((r) => r.name === "cert-manager-root-corp"), "an existing root is not generated");
        const anchors = istiodValues(trustBoth).meshConfig.caCertificates.map((entry: { pem: string }) => sha256Fingerprint(entry.pem));
        assert.deepEqual(anchors, [sha256Fingerprint(corp.certPem), sha256Fingerprint(rootPemOf(trustBoth, "r2027"))]);
        assert.equal((byName(trustBoth, "istiod-cacerts-certificate").inputs.spec as any).issuerRef.name, "istio-ca-root-corp");
        assert.deepEqual(stateOf(trustBoth).rootSources, {
            corp: `existing sha256:${createHash("sha256").update(new X509Certificate(corp.certPem).raw).digest("hex")}`,
            r2027: "generated",
        });
    });

    it("reads a kubernetes stack without rotationState as steady on primary, multi-root not yet deployed", async () => {
        const err = await rejection(
            planConfig({ caMode: "kubernetes", roots: '["primary","r2027"]', rotationPhase: "trust-both" }, { previousOutputs: { caMode: "kubernetes" }, now: at(1) }),
        );
        assertNothingRegistered(err);
        assert.match(err.message, /ISTIO_MULTIROOT_MESH .* did not set/);
    });

    it("refuses to swap an in-cluster root for a generated one, and back", async () => {
        const inCluster = await planConfig({ caMode: "cert-manager", certManagerRoot: "in-cluster" }, { now: at(0) });
        assert.deepEqual(stateOf(inCluster).rootSources, { primary: "in-cluster" });
        assert.deepEqual(stateOf(inCluster).roots, []);
        const err = await rejection(planConfig({ caMode: "cert-manager" }, { previousOutputs: inCluster.outputs, now: at(1) }));
        assertNothingRegistered(err);
        assert.match(err.message, /root primary was made in the cluster .* would now be generated.*certManagerRoot back to in-cluster/);

        const generated = await planConfig({ caMode: "cert-manager" }, { now: at(0) });
        const back = await rejection(planConfig({ caMode: "cert-manager", certManagerRoot: "in-cluster" }, { previousOutputs: generated.outputs, now: at(1) }));
        assertNothingRegistered(back);
        assert.match(back.message, /the mesh trusts the roots \[primary\].*an in-cluster root .* would replace every one of them/);
    });
});

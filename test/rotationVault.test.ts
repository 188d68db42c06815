import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { EmulatedState, PROJECT_DIR, PlanResult, PlannedResource } from "../plan/engine";
import { ConfigError, parseStackConfig } from "../src/config";
import { sha256Fingerprint, splitPemCertificates } from "../src/pki";
import { unrotatedV1State } from "./rotationFixtures";
import { renderPlan } from "../plan/render";
import { validateAnyCustomResource } from "./customResources";
import { byName, byType, isIssuedBy, only, pathLength, planConfig, rejection } from "./helpers";
import { RotationStep, T0, assertNothingRegistered, at, planExampleStack, planSequence, rotationSteps, stateOf } from "./rotationSteps";
import { VAULT_BASE, VAULT_TYPES } from "./vaultTypes";

const T = {
    ...VAULT_TYPES,
    certificate: "kubernetes:cert-manager.io/v1:Certificate",
    release: "kubernetes:helm.sh/v3:Release",
};

type Delivery = "cacerts" | "istio-csr";

/** The example sequence, each update as early as the guard allows; retire-old waits maxWorkloadCertTtl (48h) + delay (1h), plus one delay more with cacerts. */
function steps(delivery: Delivery): RotationStep[] {
    const retireAt = 25 + 48 + 1 + (delivery === "cacerts" ? 1 : 0);
    return rotationSteps("rotation-vault-", { retireAt, steadyAt: retireAt + 30 });
}

const planStep = (
    delivery: Delivery,
    stack: string,
    previous: PlanResult | undefined,
    now: Date,
    options: { extra?: Record<string, string>; emulatedState?: EmulatedState } = {},
) => planExampleStack("rotation-vault", stack, previous, now, { overrides: { certManagerDelivery: delivery, ...options.extra }, emulatedState: options.emulatedState });

const inputs = (resource: PlannedResource) => resource.inputs as Record<string, any>;
const rootResource = (plan: PlanResult, root: string) => byName(plan, `vault-pki-root-${root}`);
const rootPem = (plan: PlanResult, root: string) => String(rootResource(plan, root).outputs.certificate);
const istiodValues = (plan: PlanResult) => inputs(byType(plan, T.release).find((r) => inputs(r).chart === "istiod")!).values;
const fingerprints = (pems: string[]) => pems.map(sha256Fingerprint);

function defaultIssuerOf(plan: PlanResult, mount: string): string {
    return String(byType(plan, T.defaults).find((r) => inputs(r).backend === mount)!.inputs.default);
}

for (const delivery of ["cacerts", "istio-csr"] as const) {
    describe(`root rotation on Vault PKI, ${delivery} delivery (offline plans, real X.509)`, () => {
        const STEPS = steps(delivery);
        const plans: PlanResult[] = [];
        before(async () => {
            // One emulated Vault for the whole sequence: kept roots keep their keys from update to update.
            plans.push(...(await planSequence(STEPS, (step, previous, now, emulatedState) => planStep(delivery, step.stack, previous, now, { emulatedState }))));
        });

        STEPS.forEach((step, index) => {
            describe(`step ${index + 1}: ${step.stack}`, () => {
                it(`keeps each root an internal, protected issuer of the root mount: ${step.roots.join(", ")}`, () => {
                    const plan = plans[index];
                    const roots = byType(plan, T.root);
                    assert.deepEqual(
                        roots.map((r) => r.name).sort(),
                        step.roots.map((root) => `vault-pki-root-${root}`),
                    );
                    for (const root of roots) {
                        const args = inputs(root);
                        assert.ok(root.protect, `${root.name} is protected`);
                        assert.equal(args.type, "internal");
                        assert.equal(args.backend, "pki-istio-root");
                        assert.equal(args.issuerName, root.name.replace("vault-pki-root-", ""), "the issuer is named by the root");
                        assert.match(args.commonName, new RegExp(`${args.issuerName}$`), "the subject names the root");
                        assert.ok(isIssuedBy(String(root.outputs.certificate), String(root.outputs.certificate)), "self-signed");
                        assert.equal(pathLength(String(root.outputs.certificate)), 2);
                    }
                    assert.deepEqual(
                        plan.resources
                            .filter((r) => r.protect)
                            .map((r) => r.name)
                            .sort(),
                        roots.map((r) => r.name).sort(),
                        "only roots are protected",
                    );
                });

                it(`signs the Vault intermediate with ${step.signing}'s issuer; the intermediate chains to ${step.signing} only`, () => {
                    const plan = plans[index];
                    const sign = only(plan, T.sign);
                    assert.equal(sign.name, `vault-pki-intermediate-${step.signing}`, "the intermediate is named by its signing root");
                    assert.equal(inputs(sign).issuerRef, rootResource(plan, step.signing).outputs.issuerId);
                    const intermediate = String(sign.outputs.certificate);
                    assert.ok(isIssuedBy(intermediate, rootPem(plan, step.signing)), `issued by ${step.signing}`);
                    for (const other of step.roots.filter((root) => root !== step.signing)) assert.ok(!isIssuedBy(intermediate, rootPem(plan, other)), `not issued by ${other}`);
                    assert.equal(pathLength(intermediate), delivery === "cacerts" ? 1 : 0);
                    const chain = splitPemCertificates(String(inputs(only(plan, T.setSigned)).certificate));
                    assert.deepEqual(fingerprints(chain), fingerprints([intermediate, rootPem(plan, step.signing)]), "set-signed with its root");
                    assert.equal(only(plan, T.csr).name, `vault-pki-intermediate-${step.signing}-csr`);
                    assert.equal(inputs(only(plan, T.issuer)).issuerName, `istio-intermediate-${step.signing}`);
                });

                it(`makes ${step.signing} and its intermediate the default issuers of their mounts`, () => {
                    const plan = plans[index];
                    assert.equal(defaultIssuerOf(plan, "pki-istio-root"), rootResource(plan, step.signing).outputs.issuerId);
                    assert.equal(defaultIssuerOf(plan, "pki-istio"), only(plan, T.issuer).outputs.issuerId);
                    assert.ok(byType(plan, T.defaults).every((r) => inputs(r).defaultFollowsLatestIssuer === false));
                });

                it(`trusts ${step.trusted.join(" + ")}: caCertificates, bundle and fingerprint outputs`, () => {
                    const plan = plans[index];
                    const expected = fingerprints(step.trusted.map((root) => rootPem(plan, root)));
                    const anchors = istiodValues(plan).meshConfig.caCertificates as { pem: string }[];
                    assert.deepEqual(fingerprints(anchors.map((a) => a.pem)), expected, "meshConfig.caCertificates holds exactly the trusted roots");
                    assert.ok(
                        anchors.every((a) => Object.keys(a).join() === "pem"),
                        "no signer or trust domain restriction",
                    );
                    assert.deepEqual(plan.outputs.trustedRootFingerprints, expected);
                    assert.equal(plan.outputs.signingRootFingerprint, sha256Fingerprint(rootPem(plan, step.signing)));
                    assert.deepEqual(fingerprints(splitPemCertificates(String(plan.outputs.trustBundle))), expected);
                    if (delivery === "istio-csr") {
                        const source = inputs(byName(plan, "mesh-trust-source")).data as Record<string, string>;
                        assert.deepEqual(fingerprints(splitPemCertificates(source["ca.pem"])), expected, "the trust-manager source holds exactly the trusted roots");
                    }
                });

                it("runs istiod and proxies with the multi-root settings", () => {
                    const values = istiodValues(plans[index]);
                    assert.equal(values.env.ISTIO_MULTIROOT_MESH, "true");
                    assert.equal(values.meshConfig.defaultConfig.proxyMetadata.PROXY_CONFIG_XDS_AGENT, "true");
                    if (delivery === "istio-csr") assert.equal(values.env.ENABLE_CA_SERVER, "false");
                });

                if (delivery === "cacerts") {
                    it(`names ${step.signing} in istiod's cacerts Certificate, issued after the default issuer switch`, () => {
                        const certificate = only(plans[index], T.certificate);
                        assert.equal(inputs(certificate).spec.commonName, `istio-ca intermediate ${step.signing}`);
                        assert.ok(certificate.dependsOn.includes("vault-pki-intermediate-default-issuer"));
                    });
                }

                it("keeps every custom resource valid, the signer policy's grants unchanged but for the CN it allows, and no private key in the plan", () => {
                    const plan = plans[index];
                    const custom = plan.resources.filter((r) => /^kubernetes:[a-z.-]+\.(io|com)\/v1/.test(r.type) && !r.type.startsWith("kubernetes:helm.sh"));
                    assert.ok(custom.length >= 2);
                    for (const resource of custom) assert.deepEqual(validateAnyCustomResource(inputs(resource)), [], `${resource.type} ${resource.name}`);
                    const withoutCn = (policy: string) => policy.replace(/"common_name" = \[[^\]]*\]/, "");
                    assert.equal(withoutCn(inputs(only(plan, T.policy)).policy), withoutCn(inputs(only(plans[0], T.policy)).policy));
                    if (delivery === "cacerts")
                        assert.ok(
                            String(inputs(only(plan, T.policy)).policy).includes(`"common_name" = ["${inputs(only(plan, T.certificate)).spec.commonName}"]`),
                            "the policy allows the cacerts Certificate's CN",
                        );
                    assert.ok(!JSON.stringify(plan).includes("PRIVATE KEY"));
                });
            });
        });

        it("keeps each root's certificate (and key) from phase to phase, and re-signs the intermediate only at sign-new", () => {
            const r2026 = plans.slice(0, 4).map((plan) => rootPem(plan, "r2026"));
            const r2027 = plans.slice(1).map((plan) => rootPem(plan, "r2027"));
            assert.equal(new Set(r2026).size, 1);
            assert.equal(new Set(r2027).size, 1);
            const intermediates = plans.map((plan) => String(only(plan, T.sign).outputs.certificate));
            assert.equal(intermediates[0], intermediates[1], "trust-both keeps the intermediate");
            assert.notEqual(intermediates[1], intermediates[2], "sign-new re-signs it");
            assert.equal(new Set(intermediates.slice(2)).size, 1);
            if (delivery === "cacerts") {
                const names = plans.map((plan) => inputs(only(plan, T.certificate)).spec.commonName);
                assert.deepEqual(
                    names,
                    ["istio-ca intermediate r2026", "istio-ca intermediate r2026", "istio-ca intermediate r2027", "istio-ca intermediate r2027", "istio-ca intermediate r2027"],
                    "cacerts is re-issued exactly at sign-new",
                );
            }
        });

        it("shows in the rendered plan which root signs the intermediate and which roots istiod trusts", () => {
            const trees = plans.map(renderPlan);
            assert.match(trees[1], /vault-pki-intermediate-r2026 .*signedBy="istio-ca root vault r2026"/);
            assert.match(trees[1], /caCertificates=\[\[istio-ca root vault r2026\], \[istio-ca root vault r2027\]\]/);
            assert.match(trees[2], /vault-pki-intermediate-r2027 .*signedBy="istio-ca root vault r2027"/);
            assert.match(trees[3], /caCertificates=\[\[istio-ca root vault r2027\]\]/);
        });

        it("the clean-up in docs/rotation.md unprotects exactly r2026's root resource", () => {
            const readme = fs.readFileSync(path.join(PROJECT_DIR, "docs", "rotation.md"), "utf8");
            const urn = rootResource(plans[3], "r2026").urn.replace("urn:pulumi:rotation-vault::", "urn:pulumi:prod::");
            assert.ok(readme.includes(`pulumi state unprotect '${urn}'`), urn);
        });

        it("records each phase's start and when r2026 stopped signing", () => {
            const states = plans.map(stateOf);
            assert.deepEqual(
                states.map((s) => [s.caMode, s.phase]),
                [
                    ["vault", "steady"],
                    ["vault", "trust-both"],
                    ["vault", "sign-new"],
                    ["vault", "retire-old"],
                    ["vault", "steady"],
                ],
            );
            assert.deepEqual(states[3].signedUntil, { r2026: at(25).toISOString() });
            assert.deepEqual(
                states.map((s) => s.multiRootEnabled),
                [true, true, true, true, true],
            );
        });

        describe("refusals register nothing", () => {
            it("a skipped phase (steady -> sign-new)", async () => {
                const err = await rejection(planStep(delivery, "rotation-vault-3-sign-new", plans[0], at(200)));
                assertNothingRegistered(err);
                assert.match(err.message, /skips trust-both/);
            });

            it("a root swapped without a rotation (steady r2026 -> steady r2027)", async () => {
                assertNothingRegistered(await rejection(planStep(delivery, "rotation-vault-5-steady", plans[0], at(200))));
            });

            it("sign-new within the propagation delay", async () => {
                const err = await rejection(planStep(delivery, "rotation-vault-3-sign-new", plans[1], at(24.5)));
                assertNothingRegistered(err);
                assert.match(err.message, /sign-new too early/);
            });

            it("retire-old before the old chain's last certificate expired", async () => {
                const early = STEPS[3].hour - 0.5;
                const err = await rejection(planStep(delivery, "rotation-vault-4-retire-old", plans[2], at(early)));
                assertNothingRegistered(err);
                const lifetime = delivery === "cacerts" ? "49h" : "48h";
                assert.match(err.message, new RegExp(`retire-old too early.*longest certificate lifetime ${lifetime}`));
            });

            it("calling the rotation off after sign-new (steady [r2026] drops r2027 while it signs)", async () => {
                const err = await rejection(planStep(delivery, "rotation-vault-1-steady", plans[2], at(200)));
                assertNothingRegistered(err);
            });

            it("a skipped phase (trust-both -> retire-old)", async () => {
                const err = await rejection(planStep(delivery, "rotation-vault-4-retire-old", plans[1], at(200)));
                assertNothingRegistered(err);
                assert.match(err.message, /skips sign-new/);
            });

            it("roots changed in the middle of a rotation", async () => {
                const err = await rejection(planStep(delivery, "rotation-vault-3-sign-new", plans[1], at(30), { extra: { roots: '["r2026","r2028"]' } }));
                assertNothingRegistered(err);
                assert.match(err.message, /changes the roots in the middle of a rotation/);
            });

            it("a change of caMode on a live mesh", async () => {
                const err = await rejection(planConfig({ caMode: "plugin", roots: '["r2027"]' }, { stack: "rotation-vault", previousOutputs: plans[4].outputs, now: at(300) }));
                assertNothingRegistered(err);
                assert.match(err.message, /caMode changes from vault to plugin/);
            });

            it("an override the update does not need", async () => {
                const err = await rejection(
                    planStep(delivery, "rotation-vault-5-steady", plans[3], at(300), {
                        extra: { rotationOverride: "retire-old-early", rotationOverrideReason: "left from the previous update" },
                    }),
                );
                assertNothingRegistered(err);
                assert.match(err.message, /does not need it/);
            });
        });

        it("retire-old early goes ahead with the named override and a reason, and records it", async () => {
            const plan = await planStep(delivery, "rotation-vault-4-retire-old", plans[2], at(26), {
                extra: { rotationOverride: "retire-old-early", rotationOverrideReason: "r2026 issuer key exposed" },
            });
            assert.deepEqual(plan.outputs.trustedRootFingerprints, [sha256Fingerprint(rootPem(plan, "r2027"))]);
            assert.equal(stateOf(plan).lastOverride?.name, "retire-old-early");
        });

        it("steps back from sign-new to trust-both only with a new intermediate generation: r2026's first intermediate is still an issuer in Vault", async () => {
            const refused = await rejection(planStep(delivery, "rotation-vault-2-trust-both", plans[2], at(30)));
            assertNothingRegistered(refused);
            assert.match(refused.message, /would be named istio-intermediate-r2026, the name of an earlier intermediate .* raise istio-ca:vaultIntermediateGeneration to 2/);
            const back = await planStep(delivery, "rotation-vault-2-trust-both", plans[2], at(30), { extra: { vaultIntermediateGeneration: "2" } });
            const sign = only(back, T.sign);
            assert.equal(sign.name, "vault-pki-intermediate-r2026-g2");
            assert.equal(inputs(only(back, T.issuer)).issuerName, "istio-intermediate-r2026-g2");
            assert.deepEqual(stateOf(back).vaultIntermediate?.retainedIssuerNames, ["istio-intermediate-r2026", "istio-intermediate-r2027"]);
            assert.ok(isIssuedBy(String(sign.outputs.certificate), rootPem(back, "r2026")));
            assert.equal(defaultIssuerOf(back, "pki-istio-root"), rootResource(back, "r2026").outputs.issuerId);
            assert.equal(stateOf(back).phase, "trust-both");
        });
    });
}

describe("root rotation on Vault PKI: stacks made before the mode rotated", () => {
    /** What a Vault stack recorded when its roots did not rotate. */
    const before = unrotatedV1State("vault", T0);

    it("an update on [primary] keeps the root, intermediate and issuer names the stack has (no protected root replaced)", async () => {
        const plan = await planConfig(VAULT_BASE, { previousOutputs: { caMode: "vault", rotationState: before }, now: at(1) });
        assert.deepEqual(
            byType(plan, T.root).map((r) => [r.name, inputs(r).issuerName, inputs(r).commonName]),
            [["vault-pki-root", "istio-root", "istio-ca root vault"]],
        );
        assert.equal(only(plan, T.sign).name, "vault-pki-intermediate");
        assert.equal(only(plan, T.csr).name, "vault-pki-intermediate-csr");
        assert.equal(inputs(only(plan, T.issuer)).issuerName, "istio-intermediate");
        assert.equal(inputs(only(plan, T.certificate)).spec.commonName, "istio-ca intermediate");
        assert.deepEqual(stateOf(plan).roots, ["primary"]);
        assert.equal(stateOf(plan).multiRootEnabled, true);
    });

    it("refuses trust-both until one update has set the multi-root settings", async () => {
        const config = { ...VAULT_BASE, roots: '["primary","r2027"]', rotationPhase: "trust-both" };
        const err = await rejection(planConfig(config, { previousOutputs: { caMode: "vault", rotationState: before }, now: at(1) }));
        assertNothingRegistered(err);
        assert.match(err.message, /needs ISTIO_MULTIROOT_MESH/);
        const steady = await planConfig(VAULT_BASE, { previousOutputs: { caMode: "vault", rotationState: before }, now: at(1) });
        const trustBoth = await planConfig(config, { previousOutputs: steady.outputs, now: at(2) });
        assert.deepEqual(
            byType(trustBoth, T.root)
                .map((r) => r.name)
                .sort(),
            ["vault-pki-root", "vault-pki-root-r2027"],
        );
        assert.ok(isIssuedBy(String(only(trustBoth, T.sign).outputs.certificate), String(byName(trustBoth, "vault-pki-root").outputs.certificate)));
    });

    it("refuses root names that cannot name a Vault issuer, naming istio-ca:roots", () => {
        for (const name of ["default", "istio-root"]) {
            const values = { ...VAULT_BASE, roots: `["r2026","${name}"]`, rotationPhase: "trust-both" };
            assert.throws(
                () => parseStackConfig({ values, secretKeys: new Set() }),
                (err: Error) => err instanceof ConfigError && /istio-ca:roots/.test(err.message) && err.message.includes(`"${name}"`) && /use another name/.test(err.message),
            );
        }
    });
});

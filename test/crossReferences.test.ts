import { strict as assert } from "assert";
import * as k8s from "@pulumi/kubernetes";
import { PlanResult, PlannedResource, listStacks, loadStackConfig, planStack } from "../plan/engine";
import { IstioCa } from "../src/components/istioCa";

/** The Kubernetes provider (cluster) a resource goes to; one cluster when the plan has one provider. */
function clusterOf(resource: PlannedResource): string {
    return resource.provider ?? "default";
}

/**
 * Every issuer a Certificate, istio-csr or a CertificateRequestPolicy names exists, in the same
 * cluster (and namespace, for an Issuer), under that Kubernetes name: a reference to a name the
 * plan does not create would leave cert-manager waiting for ever.
 */
function danglingIssuerRefs(plan: PlanResult): string[] {
    const issuers = new Set<string>();
    for (const r of plan.resources) {
        const metadata = (r.inputs as any).metadata ?? {};
        if (r.type === "kubernetes:cert-manager.io/v1:ClusterIssuer") issuers.add(`${clusterOf(r)}/ClusterIssuer/${metadata.name}`);
        if (r.type === "kubernetes:cert-manager.io/v1:Issuer") issuers.add(`${clusterOf(r)}/Issuer/${metadata.namespace}/${metadata.name}`);
    }
    const refs: { from: string; key: string }[] = [];
    for (const r of plan.resources) {
        const inputs = r.inputs as any;
        if (r.type === "kubernetes:cert-manager.io/v1:Certificate") {
            const ref = inputs.spec.issuerRef;
            refs.push({
                from: r.name,
                key: ref.kind === "Issuer" ? `${clusterOf(r)}/Issuer/${inputs.metadata.namespace}/${ref.name}` : `${clusterOf(r)}/ClusterIssuer/${ref.name}`,
            });
        }
        if (r.type === "kubernetes:helm.sh/v3:Release" && inputs.chart === "cert-manager-istio-csr") {
            const ref = inputs.values.app.certmanager;
            refs.push({
                from: r.name,
                key: ref.issuer.kind === "Issuer" ? `${clusterOf(r)}/Issuer/${ref.namespace}/${ref.issuer.name}` : `${clusterOf(r)}/ClusterIssuer/${ref.issuer.name}`,
            });
        }
    }
    return refs.filter((ref) => !issuers.has(ref.key)).map((ref) => `${ref.from} -> ${ref.key}`);
}

/** Kubernetes objects two resources of the plan would both create: one would overwrite or fail on the other. */
function clashingObjects(plan: PlanResult): string[] {
    const seen = new Map<string, string>();
    const clashes: string[] = [];
    for (const r of plan.resources) {
        if (!r.custom || !r.type.startsWith("kubernetes:") || r.type.startsWith("kubernetes:helm.sh") || r.read) continue;
        const metadata = (r.inputs as any).metadata;
        if (!metadata?.name) continue;
        const key = `${clusterOf(r)} ${r.type} ${metadata.namespace ?? ""}/${metadata.name}`;
        if (seen.has(key)) clashes.push(`${key}: ${seen.get(key)} and ${r.name}`);
        seen.set(key, r.name);
    }
    return clashes;
}

describe("cross-references: every name a resource points at exists, once, in its cluster", () => {
    for (const { stack, file } of listStacks()) {
        it(`stack ${stack}`, async () => {
            const config = loadStackConfig(file);
            if ((config.values["istio-ca:rotationPhase"] ?? "steady") !== "steady") {
                config.values["istio-ca:rotationOverride"] = "adopt-mid-rotation";
                config.values["istio-ca:rotationOverrideReason"] = "checking this step's resources alone";
            }
            const plan = await planStack({ stack, config });
            assert.deepEqual(danglingIssuerRefs(plan), []);
            assert.deepEqual(clashingObjects(plan), []);
        });
    }

    for (const [caMode, extra] of [
        ["cert-manager", { certManagerDelivery: "istio-csr" }],
        ["cert-manager", { certManagerRoot: "in-cluster" }],
        ["kubernetes", {}],
    ] as const) {
        it(`IstioCa, caMode ${caMode} ${JSON.stringify(extra)}: the component's name prefixes Pulumi names, never the Kubernetes names others refer to`, async () => {
            const plan = await planStack({
                stack: "component",
                config: { values: {}, secretKeys: [] },
                program: () => {
                    const ca = new IstioCa("mesh", { caMode, ...extra }, { providers: [new k8s.Provider("cluster", {})] });
                    return { caMode: ca.caMode };
                },
            });
            assert.ok(plan.resources.some((r) => r.type === "kubernetes:cert-manager.io/v1:ClusterIssuer"));
            assert.deepEqual(danglingIssuerRefs(plan), []);
            assert.deepEqual(clashingObjects(plan), []);
        });
    }
});

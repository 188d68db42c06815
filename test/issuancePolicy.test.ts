import { strict as assert } from "assert";
import { PlanResult, PlannedResource } from "../plan/engine";
import { policyUseRule, serviceAccountUser } from "../src/issuancePolicy";
import { BoundPolicy, Decision, RequestModel, boundPoliciesOf, decide } from "./approverPolicyModel";
import { validateAnyCustomResource } from "./customResources";
import { byType, planConfig } from "./helpers";
import { VAULT_BASE } from "./vaultTypes";

const CERT_MANAGER = "system:serviceaccount:cert-manager:cert-manager";
const ISTIO_CSR = "system:serviceaccount:cert-manager:cert-manager-istio-csr";

/** The CertificateRequest cert-manager's controller makes for a planned Certificate. */
function requestOf(certificate: PlannedResource): RequestModel {
    const inputs = certificate.inputs as any;
    const spec = inputs.spec;
    return {
        namespace: inputs.metadata.namespace,
        username: CERT_MANAGER,
        issuerRef: spec.issuerRef,
        isCA: spec.isCA,
        commonName: spec.commonName,
        dnsNames: spec.dnsNames,
        uris: spec.uris,
        organizations: spec.subject?.organizations,
        usages: spec.usages,
        duration: spec.duration,
        privateKey: spec.privateKey ? { algorithm: spec.privateKey.algorithm, size: spec.privateKey.size } : undefined,
    };
}

const certificates = (plan: PlanResult) => byType(plan, "kubernetes:cert-manager.io/v1:Certificate");

/** What istio-csr v0.17.0 asks its issuer for at run time (not in the plan). */
function istioCsrRequests(issuerRef: RequestModel["issuerRef"], trustDomain: string): RequestModel[] {
    const base = { namespace: "istio-system", issuerRef, isCA: false };
    return [
        { ...base, username: ISTIO_CSR, uris: [`spiffe://${trustDomain}/ns/payments/sa/api`], usages: ["client auth", "server auth"], duration: "24h", organizations: [""] },
        { ...base, username: ISTIO_CSR, dnsNames: ["cert-manager-istio-csr.cert-manager.svc"], usages: ["server auth"], duration: "1h" },
        {
            ...base,
            username: CERT_MANAGER,
            commonName: "istiod.istio-system.svc",
            dnsNames: ["istiod.istio-system.svc"],
            uris: [`spiffe://${trustDomain}/ns/istio-system/sa/istiod-service-account`],
            duration: "1h",
        },
    ];
}

const MODES: { title: string; values: Record<string, string>; policies: string[]; runtime?: (plan: PlanResult) => RequestModel[] }[] = [
    { title: "cert-manager, cacerts", values: { caMode: "cert-manager" }, policies: ["istio-ca-cacerts"] },
    { title: "cert-manager, in-cluster root", values: { caMode: "cert-manager", certManagerRoot: "in-cluster" }, policies: ["istio-ca-cacerts", "istio-ca-root"] },
    {
        title: "cert-manager, istio-csr",
        values: { caMode: "cert-manager", certManagerDelivery: "istio-csr" },
        policies: ["istio-ca-intermediate", "istio-ca-istio-csr-serving", "istio-ca-istiod", "istio-ca-workloads"],
        runtime: () => istioCsrRequests({ name: "istio-ca", kind: "Issuer", group: "cert-manager.io" }, "cluster.local"),
    },
    { title: "kubernetes", values: { caMode: "kubernetes" }, policies: ["istio-ca-mesh-signer"] },
    { title: "vault, cacerts", values: { ...VAULT_BASE }, policies: ["istio-ca-cacerts"] },
    {
        title: "vault, istio-csr",
        values: { ...VAULT_BASE, certManagerDelivery: "istio-csr" },
        policies: ["istio-ca-istio-csr-serving", "istio-ca-istiod", "istio-ca-workloads"],
        runtime: () => istioCsrRequests({ name: "istio-ca-vault", kind: "ClusterIssuer", group: "cert-manager.io" }, "prod.example.com"),
    },
];

describe("only the mesh can use the mesh's CA: approver-policy with cert-manager's default approver off", () => {
    for (const mode of MODES) {
        describe(mode.title, () => {
            let plan: PlanResult;
            let policies: BoundPolicy[];
            before(async () => {
                plan = await planConfig(mode.values);
                policies = boundPoliciesOf(plan);
            });

            it("turns off cert-manager's default approver and installs approver-policy with one policy per kind of request", () => {
                const releases = byType(plan, "kubernetes:helm.sh/v3:Release");
                const certManager = releases.find((r) => r.inputs.chart === "cert-manager")!;
                assert.equal((certManager.inputs.values as any).disableAutoApproval, true);
                assert.ok(releases.some((r) => r.inputs.chart === "cert-manager-approver-policy"));
                assert.deepEqual(policies.map((p) => p.name).sort(), mode.policies);
                for (const policy of byType(plan, "kubernetes:policy.cert-manager.io/v1alpha1:CertificateRequestPolicy"))
                    assert.deepEqual(validateAnyCustomResource(policy.inputs), [], policy.name);
            });

            it("binds each policy to exactly one requester, in one namespace", () => {
                for (const policy of policies) {
                    assert.equal(policy.users.length, 1, `${policy.name}: ${JSON.stringify(policy.users)}`);
                    assert.notEqual(policy.users[0].namespace, "*");
                    assert.equal(policy.spec.selector.namespace.matchNames.length, 1);
                    assert.ok(!policy.spec.selector.issuerRef.name.includes("*"), "an exact issuer");
                }
            });

            it("approves every request the program makes", () => {
                const requests = [...certificates(plan).map(requestOf), ...(mode.runtime?.(plan) ?? [])];
                assert.ok(requests.length >= 1);
                for (const request of requests) assert.equal(decide(policies, request), "approved", JSON.stringify(request));
            });

            it("does not approve a request outside the program's own: no policy allows it", () => {
                const own =
                    certificates(plan)
                        .map(requestOf)
                        .find((r) => r.isCA) ?? mode.runtime!(plan)[0];
                const outsiders: [string, RequestModel, Decision[]][] = [
                    ["the same request from another namespace", { ...own, namespace: "payments" }, ["unprocessed"]],
                    ["the same request by another user", { ...own, username: "system:serviceaccount:payments:builder" }, ["unprocessed"]],
                    ["a CA for another name", { ...own, isCA: true, commonName: "payments CA", uris: undefined, dnsNames: undefined }, ["denied"]],
                    ["a longer lifetime", { ...own, duration: "876000h" }, ["denied"]],
                    ["a DNS name of someone else's", { ...own, dnsNames: ["api.example.com"] }, ["denied"]],
                    ["another issuer", { ...own, issuerRef: { name: "letsencrypt", kind: "ClusterIssuer" } }, ["unprocessed"]],
                ];
                for (const [what, request, expected] of outsiders) assert.ok(expected.includes(decide(policies, request)), `${what}: ${decide(policies, request)}`);
            });

            if (mode.runtime) {
                it("does not approve istio-csr asking for a CA, another trust domain or a DNS name", () => {
                    const [workload] = mode.runtime!(plan);
                    assert.equal(decide(policies, { ...workload, isCA: true }), "denied");
                    assert.equal(decide(policies, { ...workload, uris: ["spiffe://evil.example.com/ns/a/sa/b"] }), "denied");
                    assert.equal(decide(policies, { ...workload, dnsNames: ["istiod.istio-system.svc"] }), "denied");
                    assert.equal(decide(policies, { ...workload, duration: "720h" }), "denied", "beyond maxWorkloadCertTtl");
                });
            }
        });
    }

    it("leaves approval to cert-manager with certManagerApproval auto, installing no approver-policy", async () => {
        const plan = await planConfig({ caMode: "cert-manager", certManagerApproval: "auto" });
        const releases = byType(plan, "kubernetes:helm.sh/v3:Release");
        assert.equal((releases.find((r) => r.inputs.chart === "cert-manager")!.inputs.values as any).disableAutoApproval, undefined);
        assert.ok(!releases.some((r) => r.inputs.chart === "cert-manager-approver-policy"));
        assert.equal(byType(plan, "kubernetes:policy.cert-manager.io/v1alpha1:CertificateRequestPolicy").length, 0);
    });

    it("has trust-manager's chart approve its own webhook certificate once the default approver is off", async () => {
        const plan = await planConfig({ caMode: "cert-manager", certManagerDelivery: "istio-csr" });
        const trustManager = byType(plan, "kubernetes:helm.sh/v3:Release").find((r) => r.inputs.chart === "trust-manager")!;
        assert.equal((trustManager.inputs.values as any).app.webhook.tls.approverPolicy.enabled, true);
        assert.ok(trustManager.dependsOn.includes("approver-policy-release"), "after approver-policy's CRD");
    });

    it("makes the mesh's Certificates wait for the policies that approve them", async () => {
        const plan = await planConfig({ caMode: "cert-manager" });
        const [cacerts] = certificates(plan);
        assert.ok(
            cacerts.dependsOn.some((name) => name.startsWith("mesh-issuance-istio-ca-cacerts")),
            cacerts.dependsOn.join(", "),
        );
    });

    it("the model decides as approver-policy does: left alone without a policy, denied when every applicable one refuses", () => {
        const policy: BoundPolicy = {
            name: "p",
            spec: { selector: { issuerRef: { name: "i", kind: "Issuer", group: "cert-manager.io" } }, allowed: { dnsNames: { values: ["a.example.com"] } } },
            users: [{ namespace: "ns", username: "u" }],
        };
        const request: RequestModel = { namespace: "ns", username: "u", issuerRef: { name: "i", kind: "Issuer" }, dnsNames: ["a.example.com"] };
        assert.equal(decide([policy], request), "approved");
        assert.equal(decide([policy], { ...request, dnsNames: ["b.example.com"] }), "denied");
        assert.equal(decide([], request), "unprocessed");
        assert.deepEqual(policyUseRule("p").resourceNames, ["p"]);
        assert.equal(serviceAccountUser({ namespace: "cert-manager", name: "cert-manager" }), CERT_MANAGER);
    });
});

import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import { X509Certificate } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PROJECT_DIR, PlanResult, loadStackConfig, planStack } from "../plan/engine";
import { parseStackConfig } from "../src/config";
import { deployFleet } from "../src/fleet";
import { configProblems, isIssuedBy, planConfig, rawConfig, rejection } from "./helpers";
import { ConfigOverrides, T0, at, planExampleStack, planSequence, rotationSteps, stateOf } from "./rotationSteps";

const TWO = [
    { name: "east", context: "prod-east", network: "net-east" },
    { name: "west", context: "prod-west", network: "net-west" },
];
const THREE = [...TWO, { name: "central", context: "prod-central", network: "net-central" }];
const VAULT_FLEET = {
    caMode: "vault",
    trustDomain: "prod.example.com",
    vaultAddress: "https://vault.example.com:8200",
    vaultKubernetesApiAudience: "https://kubernetes.default.svc.cluster.local",
};
const withVault = (clusters: typeof TWO) => clusters.map((cluster) => ({ ...cluster, vaultKubernetesHost: `https://${cluster.name}.k8s.example.com:6443` }));

function fleetProblems(values: Record<string, unknown>, secretKeys: string[] = []): string[] {
    return configProblems(values, { secretKeys }).map((p) => `${p.key} = ${p.value}: ${p.message} Fix: ${p.fix}`);
}

function assertRefused(values: Record<string, unknown>, pattern: RegExp, secretKeys: string[] = []): string {
    const problems = fleetProblems(values, secretKeys);
    const found = problems.find((p) => pattern.test(p));
    assert.ok(found, `no problem matches ${pattern}:\n${problems.join("\n")}`);
    assert.match(found, /Fix: \S/);
    return found;
}

const inCluster = (plan: PlanResult, cluster: string) => plan.resources.filter((r) => r.provider === `kubernetes-${cluster}`);
const cacertsOf = (plan: PlanResult, cluster: string): Record<string, string> => {
    const secret = inCluster(plan, cluster).find((r) => r.type === "kubernetes:core/v1:Secret" && (r.inputs as any).metadata.name === "cacerts");
    assert.ok(secret, `cacerts in ${cluster}`);
    return (secret.inputs as any).stringData;
};

/** `openssl verify` of a certificate against a root, as an operator would check it. */
function opensslVerify(rootPem: string, certPem: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "istio-ca-fleet-"));
    try {
        fs.writeFileSync(path.join(dir, "root.pem"), rootPem);
        fs.writeFileSync(path.join(dir, "cert.pem"), certPem);
        return execFileSync("openssl", ["verify", "-CAfile", path.join(dir, "root.pem"), path.join(dir, "cert.pem")], { encoding: "utf8" }).trim();
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

describe("fleet config (istio-ca:clusters)", () => {
    it("reads a fleet: names, networks, access, and the trust domain as the default mesh ID", () => {
        const model = parseStackConfig(rawConfig({ caMode: "plugin", trustDomain: "prod.example.com", clusters: JSON.stringify(TWO) }));
        assert.equal(model.fleet?.meshId, "prod.example.com");
        assert.deepEqual(
            model.fleet?.clusters.map((c) => [c.name, c.network, c.kubernetes.context]),
            [
                ["east", "net-east", "prod-east"],
                ["west", "net-west", "prod-west"],
            ],
        );
        assert.equal(parseStackConfig(rawConfig({ caMode: "plugin" })).fleet, undefined, "a stack of one cluster stays as it was");
    });

    it("deployFleet refuses, before making anything, a model the config would refuse and providers for other clusters", () => {
        const model = parseStackConfig(rawConfig({ caMode: "plugin", trustDomain: "prod.example.com", clusters: JSON.stringify(TWO) }));
        const options = { clusters: [], opts: {}, customOpts: {} };
        assert.throws(() => deployFleet({ ...model, dataPlane: "ambient" }, options), /deployFleet: dataPlane ambient is not supported in a multi-cluster mesh/);
        assert.throws(() => deployFleet({ ...model, fleet: undefined }, options), /deployFleet needs a model with clusters/);
        assert.throws(() => deployFleet(model, options), /deployFleet: the providers' clusters do not match the model's \(east,west\)/);
    });

    const refusals: [string, Record<string, unknown>, RegExp, string[]?][] = [
        ["a value that is not a list", { caMode: "plugin", clusters: JSON.stringify({ east: {} }) }, /istio-ca:clusters .*is not a list/],
        ["one cluster", { caMode: "plugin", clusters: JSON.stringify(TWO.slice(0, 1)) }, /lists 1 cluster; a fleet has 2 or more/],
        ["33 clusters", { caMode: "plugin", clusters: JSON.stringify(Array.from({ length: 33 }, (_, i) => ({ name: `c${i}`, context: `ctx${i}` }))) }, /at most 32/],
        ["a bad name", { caMode: "plugin", clusters: JSON.stringify([{ name: "East_1", context: "a" }, TWO[1]]) }, /\[0\]\.name.*is not a cluster name/],
        ["a repeated name", { caMode: "plugin", clusters: JSON.stringify([TWO[0], { ...TWO[1], name: "east" }]) }, /repeats istio-ca:clusters\[0\]\.name/],
        ["a cluster with no way to reach it", { caMode: "plugin", clusters: JSON.stringify([{ name: "east" }, TWO[1]]) }, /says neither how to reach the cluster/],
        [
            "two entries for one cluster",
            { caMode: "plugin", clusters: JSON.stringify([TWO[0], { ...TWO[1], context: "prod-east" }]) },
            /reaches the cluster istio-ca:clusters\[0\] reaches/,
        ],
        [
            "a context with a space",
            { caMode: "plugin", clusters: JSON.stringify([{ ...TWO[0], context: "prod east" }, TWO[1]]) },
            /\[0\]\.context.*is not a kubeconfig context name/,
        ],
        ["a bad network", { caMode: "plugin", clusters: JSON.stringify([{ ...TWO[0], network: "net east" }, TWO[1]]) }, /\[0\]\.network.*is not a network name/],
        ["an unknown field", { caMode: "plugin", clusters: JSON.stringify([{ ...TWO[0], region: "us" }, TWO[1]]) }, /\[0\]\.region.*is not a field of this entry/],
        ["istiod's own root", { caMode: "istiod", clusters: JSON.stringify(TWO) }, /each istiod make its own self-signed root/],
        ["an in-cluster root", { caMode: "cert-manager", certManagerRoot: "in-cluster", clusters: JSON.stringify(TWO) }, /makes the root inside one cluster/],
        [
            "the ambient data plane",
            { caMode: "plugin", dataPlane: "ambient", clusters: JSON.stringify(TWO) },
            /clusters.*with istio-ca:dataPlane ambient is not supported.*set istio-ca:dataPlane sidecar/,
        ],
        ["kubernetesContext beside clusters", { caMode: "plugin", kubernetesContext: "prod", clusters: JSON.stringify(TWO) }, /kubernetesContext .*each cluster names its own/],
        ["meshId without clusters", { caMode: "plugin", meshId: "prod" }, /meshId .*only used with istio-ca:clusters/],
        ["a bad meshId", { caMode: "plugin", meshId: "prod mesh", clusters: JSON.stringify(TWO) }, /meshId .*is not a mesh ID/],
        ["vault without a cluster's API server", { ...VAULT_FLEET, clusters: JSON.stringify(TWO) }, /\[0\]\.vaultKubernetesHost.*is required by caMode "vault"/],
        [
            "vault with an http API server",
            { ...VAULT_FLEET, clusters: JSON.stringify([{ ...withVault(TWO)[0], vaultKubernetesHost: "http://east:6443" }, withVault(TWO)[1]]) },
            /\[0\]\.vaultKubernetesHost.*is not an https URL/,
        ],
        [
            "vault with one API server for the fleet",
            { ...VAULT_FLEET, vaultKubernetesHost: "https://k8s.example.com", clusters: JSON.stringify(withVault(TWO)) },
            /vaultKubernetesHost .*each cluster's entry gives its own/,
        ],
        [
            "vault with Vault's own reviewer",
            { ...VAULT_FLEET, vaultTokenReviewer: "vault", vaultKubernetesApiAudience: undefined, clusters: JSON.stringify(withVault(TWO)) },
            /vaultTokenReviewer .*only of the one cluster Vault runs in/,
        ],
        [
            "vault without an audience",
            { ...VAULT_FLEET, vaultKubernetesApiAudience: undefined, clusters: JSON.stringify(withVault(TWO)) },
            /vaultKubernetesApiAudience.*is required/,
        ],
        ["Vault fields outside vault mode", { caMode: "plugin", clusters: JSON.stringify(withVault(TWO)) }, /vaultKubernetesHost.*is only used by caMode "vault"/],
    ];
    for (const [what, values, pattern] of refusals) {
        it(`refuses ${what}, naming the entry and a fix`, () => {
            assertRefused(Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)), pattern);
        });
    }

    it("refuses cluster names that make a Vault intermediate's CN longer than RFC 5280 allows", () => {
        assertRefused(
            { ...VAULT_FLEET, organization: "o".repeat(20), clusters: JSON.stringify(withVault([{ ...TWO[0], name: "e".repeat(32) }, TWO[1]])) },
            /istio-ca:organization = .*makes the Vault intermediate's CN .*, 72 characters; RFC 5280 allows at most 64.*\(or the cluster names\)/,
        );
        // The longest cluster name with the default settings fits.
        parseStackConfig(rawConfig({ caMode: "plugin", clusters: JSON.stringify([{ ...TWO[0], name: "e".repeat(32) }, TWO[1]]) }));
    });

    it("takes a cluster's kubeconfig contents only when the whole list is a secret, and never shows them", () => {
        const contents = "apiVersion: v1\nkind: Config\nusers: [{name: u, user: {token: SUPERSECRETTOKEN}}]\n";
        const clusters = JSON.stringify([{ name: "east", kubeconfig: contents }, TWO[1]]);
        const problem = assertRefused({ caMode: "plugin", clusters }, /\[0\]\.kubeconfig holds a kubeconfig's contents .* is not a secret/);
        assert.ok(!problem.includes("SUPERSECRETTOKEN"), problem);
        const model = parseStackConfig(rawConfig({ caMode: "plugin", clusters }, { secretKeys: ["clusters"] }));
        const kubeconfig = model.fleet!.clusters[0].kubernetes.kubeconfig!;
        assert.ok("contents" in kubeconfig && kubeconfig.contents.reveal() === contents);
        assert.ok(!JSON.stringify(model).includes("SUPERSECRETTOKEN"), "the model never prints the contents");
    });
});

describe("fleet plans: one root, one intermediate per cluster", () => {
    it("plugin, two clusters: each cluster's cacerts holds its own intermediate, under the shared root (openssl verify)", async () => {
        const plan = await planConfig({ caMode: "plugin", trustDomain: "prod.example.com", meshId: "prod-mesh", clusters: JSON.stringify(TWO) });
        const roots = plan.resources.filter((r) => r.type === "tls:index/selfSignedCert:SelfSignedCert");
        assert.equal(roots.length, 1, "the root is made once");
        assert.ok(roots[0].protect);
        const rootPem = String(roots[0].outputs.certPem);
        const intermediates = TWO.map(({ name }) => {
            const cacerts = cacertsOf(plan, name);
            assert.equal(cacerts["root-cert.pem"], rootPem, `${name} trusts the shared root`);
            const intermediate = cacerts["ca-cert.pem"];
            assert.ok(isIssuedBy(intermediate, rootPem));
            assert.match(opensslVerify(rootPem, intermediate), /cert\.pem: OK$/);
            assert.match(new X509Certificate(intermediate).subject, new RegExp(`CN=istio-ca intermediate ${name}$`, "m"));
            return intermediate;
        });
        assert.notEqual(new X509Certificate(intermediates[0]).fingerprint256, new X509Certificate(intermediates[1]).fingerprint256, "the intermediates differ");
        assert.notEqual(
            new X509Certificate(intermediates[0]).publicKey.export({ type: "spki", format: "pem" }),
            new X509Certificate(intermediates[1]).publicKey.export({ type: "spki", format: "pem" }),
            "each has its own key",
        );
        for (const { name, network } of TWO) {
            const istiod = inCluster(plan, name).find((r) => r.type === "kubernetes:helm.sh/v3:Release" && (r.inputs as any).chart === "istiod")!;
            assert.deepEqual((istiod.inputs as any).values.global, { meshID: "prod-mesh", multiCluster: { clusterName: name }, network });
        }
        const clusters = plan.outputs.clusters as Record<string, { network: string; intermediateFingerprint: string }>;
        assert.deepEqual(Object.keys(clusters), ["east", "west"]);
        assert.equal(clusters.east.intermediateFingerprint, new X509Certificate(intermediates[0]).fingerprint256);
        assert.equal(clusters.west.network, "net-west");
        assert.equal(plan.outputs.meshId, "prod-mesh");
    });

    it("every Kubernetes resource goes to its own cluster's provider, and nothing goes to a default provider", async () => {
        const plan = await planConfig({ caMode: "plugin", clusters: JSON.stringify(THREE) });
        const kubernetes = plan.resources.filter((r) => r.custom && r.type.startsWith("kubernetes:"));
        assert.ok(kubernetes.length > 0);
        for (const resource of kubernetes) {
            const cluster = THREE.find(({ name }) => resource.name.startsWith(`${name}-`));
            assert.ok(cluster, `${resource.name} belongs to a cluster`);
            assert.equal(resource.provider, `kubernetes-${cluster.name}`, resource.name);
        }
    });

    it("cert-manager, three clusters: one root made once, held by each cluster's issuer; each cluster issues its own intermediate", async () => {
        const plan = await planStack({ stack: "fleet-cert-manager", config: loadStackConfig(path.join(PROJECT_DIR, "stacks", "multicluster", "Pulumi.fleet-cert-manager.yaml")) });
        assert.equal(plan.resources.filter((r) => r.type === "istio-ca:ca:RootCa").length, 1);
        const rootPem = String(plan.resources.find((r) => r.type === "tls:index/selfSignedCert:SelfSignedCert")!.outputs.certPem);
        for (const { name } of THREE) {
            const secret = inCluster(plan, name).find((r) => r.type === "kubernetes:core/v1:Secret" && (r.inputs as any).metadata.name === "istio-ca-root-ca")!;
            assert.equal((secret.inputs as any).stringData["tls.crt"], rootPem, `${name}'s root issuer holds the shared root`);
            const intermediate = inCluster(plan, name).find((r) => r.type === "kubernetes:cert-manager.io/v1:Certificate")!;
            assert.equal((intermediate.inputs as any).spec.commonName, `istio-ca intermediate ${name}`);
        }
        assert.deepEqual(plan.outputs.clusters, {
            east: { network: "net-east", intermediateFingerprint: null },
            west: { network: "net-west", intermediateFingerprint: null },
            central: { network: "net-central", intermediateFingerprint: null },
        });
    });

    it("vault, three clusters: one root mount, an intermediate mount and auth mount per cluster, each signer able to sign only for itself", async () => {
        const plan = await planConfig({ ...VAULT_FLEET, clusters: JSON.stringify(withVault(THREE)) });
        const mounts = plan.resources.filter((r) => r.type === "vault:index/mount:Mount").map((r) => (r.inputs as any).path);
        assert.deepEqual(mounts.sort(), ["pki-istio-central", "pki-istio-east", "pki-istio-root", "pki-istio-west"]);
        const roots = plan.resources.filter((r) => r.type === "vault:pkiSecret/secretBackendRootCert:SecretBackendRootCert");
        assert.equal(roots.length, 1);
        const rootPem = String(roots[0].outputs.certificate);
        for (const { name } of THREE) {
            const policy = plan.resources.find((r) => r.type === "vault:index/policy:Policy" && (r.inputs as any).name === `istio-ca-signer-${name}`)!;
            const paths = [...String((policy.inputs as any).policy).matchAll(/path "([^"]+)"/g)].map((m) => m[1]);
            assert.deepEqual(paths, [`pki-istio-${name}/root/sign-intermediate`], `${name}'s signer may sign only through its own mount`);
            const backend = plan.resources.find((r) => r.type === "vault:index/authBackend:AuthBackend" && (r.inputs as any).path === `kubernetes-istio-${name}`);
            assert.ok(backend, `${name} has its own auth mount`);
            const config = plan.resources.find((r) => r.type === "vault:kubernetes/authBackendConfig:AuthBackendConfig" && r.name.startsWith(`${name}-`))!;
            assert.equal((config.inputs as any).kubernetesHost, `https://${name}.k8s.example.com:6443`);
            const issuer = inCluster(plan, name).find((r) => r.type === "kubernetes:cert-manager.io/v1:ClusterIssuer" && (r.inputs as any).spec.vault)!;
            assert.equal((issuer.inputs as any).spec.vault.path, `pki-istio-${name}/root/sign-intermediate`);
            assert.equal((issuer.inputs as any).spec.vault.auth.kubernetes.mountPath, `/v1/auth/kubernetes-istio-${name}`);
            const signed = plan.resources.find(
                (r) => r.type === "vault:pkiSecret/secretBackendRootSignIntermediate:SecretBackendRootSignIntermediate" && r.name.startsWith(`vault-pki-${name}-`),
            )!;
            assert.ok(isIssuedBy(String(signed.outputs.certificate), rootPem), `${name}'s intermediate chains to the shared root`);
            assert.match(new X509Certificate(String(signed.outputs.certificate)).subject, new RegExp(`CN=istio-ca vault intermediate ${name}$`, "m"));
        }
        const fingerprints = Object.values(plan.outputs.clusters as Record<string, { intermediateFingerprint: string }>).map((c) => c.intermediateFingerprint);
        assert.equal(new Set(fingerprints).size, 3, "three distinct intermediates");
    });
});

describe("fleet rotation: one phase for every cluster, guarded across the fleet", () => {
    const steps = rotationSteps("rotation-fleet-", { retireAt: 25 + 49, steadyAt: 25 + 50 });

    it("moves both clusters through trust-both, sign-new and retire-old together, each on its own intermediate under the signing root", async () => {
        const plans = await planSequence(steps, (step, previous, now, emulatedState) => planExampleStack("rotation-fleet", step.stack, previous, now, { emulatedState }));
        plans.forEach((plan, index) => {
            const step = steps[index];
            const state = stateOf(plan);
            assert.deepEqual(state.clusters, ["east", "west"]);
            assert.deepEqual(state.trustedRoots, step.trusted, step.stack);
            const rootPem = (root: string) =>
                String(plan.resources.find((r) => r.type === "tls:index/selfSignedCert:SelfSignedCert" && r.name === `root-${root}`)!.outputs.certPem);
            for (const cluster of ["east", "west"]) {
                const cacerts = cacertsOf(plan, cluster);
                assert.equal(cacerts["root-cert.pem"], step.trusted.map(rootPem).join(""), `${step.stack}: ${cluster} trusts ${step.trusted}`);
                assert.ok(isIssuedBy(cacerts["ca-cert.pem"], rootPem(step.signing)), `${step.stack}: ${cluster}'s intermediate comes from ${step.signing}`);
            }
        });
    });

    it("refuses retire-old before every cluster's old-chain certificates can have expired", async () => {
        const early = steps.map((step) => (step.stack.endsWith("4-retire-old") ? { ...step, hour: 30 } : step)).slice(0, 4);
        const error = await rejection(
            planSequence(early, (step, previous, now, emulatedState) => planExampleStack("rotation-fleet", step.stack, previous, now, { emulatedState })),
        );
        assert.match(error.message, /retire-old too early/);
    });

    async function steadyFleet(clusters: unknown[] | null): Promise<PlanResult> {
        const overrides: ConfigOverrides = clusters === null ? { clusters: null, meshId: null } : { clusters: JSON.stringify(clusters) };
        return planExampleStack("rotation-fleet", "rotation-fleet-1-steady", undefined, T0, { overrides });
    }

    it("adds or removes a cluster at steady, recording the new fleet", async () => {
        const first = await steadyFleet(TWO);
        const grown = await planExampleStack("rotation-fleet", "rotation-fleet-1-steady", first, at(1), { overrides: { clusters: JSON.stringify(THREE) } });
        assert.deepEqual(stateOf(grown).clusters, ["east", "west", "central"]);
        assert.equal(inCluster(grown, "central").filter((r) => r.type === "kubernetes:core/v1:Secret").length > 0, true);
        const shrunk = await planExampleStack("rotation-fleet", "rotation-fleet-1-steady", grown, at(2), { overrides: { clusters: JSON.stringify(TWO) } });
        assert.deepEqual(stateOf(shrunk).clusters, ["east", "west"]);
    });

    it("refuses a cluster joining or leaving mid-rotation, with the fix", async () => {
        const first = await steadyFleet(TWO);
        const trustBoth = await planExampleStack("rotation-fleet", "rotation-fleet-2-trust-both", first, at(24));
        const joining = await rejection(planExampleStack("rotation-fleet", "rotation-fleet-3-sign-new", trustBoth, at(25), { overrides: { clusters: JSON.stringify(THREE) } }));
        assert.match(joining.message, /istio-ca:clusters adds central while a rotation is in progress.*Fix: finish the rotation at steady with the clusters \[east, west\]/s);
        const three = await steadyFleet(THREE);
        const threeTrustBoth = await planExampleStack("rotation-fleet", "rotation-fleet-2-trust-both", three, at(24), { overrides: { clusters: JSON.stringify(THREE) } });
        const leaving = await rejection(planExampleStack("rotation-fleet", "rotation-fleet-3-sign-new", threeTrustBoth, at(25)));
        assert.match(leaving.message, /istio-ca:clusters removes central while a rotation is in progress \(previous phase trust-both, requested sign-new\)/);
        const dropping = await rejection(
            planExampleStack("rotation-fleet", "rotation-fleet-2-trust-both", first, at(24), { overrides: { clusters: JSON.stringify([TWO[0], THREE[2]]) } }),
        );
        assert.match(dropping.message, /adds central and removes west while a rotation is in progress/);
    });

    it("refuses turning a stack of one cluster into a fleet, and back, with the fix", async () => {
        const single = await steadyFleet(null);
        const toFleet = await rejection(planExampleStack("rotation-fleet", "rotation-fleet-1-steady", single, at(1)));
        assert.match(toFleet.message, /this stack deployed one cluster, and istio-ca:clusters now asks for a fleet of \[east, west\].*Fix: deploy the fleet as a new stack/s);
        const fleet = await steadyFleet(TWO);
        const toSingle = await rejection(planExampleStack("rotation-fleet", "rotation-fleet-1-steady", fleet, at(1), { overrides: { clusters: null, meshId: null } }));
        assert.match(toSingle.message, /this stack deployed the fleet \[east, west\], and istio-ca:clusters is now unset.*Fix: keep istio-ca:clusters/s);
    });

    it("refuses a recorded fleet that names a cluster twice or holds one cluster", async () => {
        const fleet = await steadyFleet(TWO);
        for (const clusters of [["east", "east"], ["east"]]) {
            const tampered = { ...fleet, outputs: { ...fleet.outputs, rotationState: { ...stateOf(fleet), clusters } } };
            const error = await rejection(planExampleStack("rotation-fleet", "rotation-fleet-1-steady", tampered, at(1)));
            assert.match(error.message, /recorded rotation state cannot be used: rotationState\.clusters/);
        }
    });
});

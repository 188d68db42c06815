import { strict as assert } from "assert";
import { X509Certificate } from "crypto";
import { PlanResult, PlannedResource } from "../plan/engine";
import { sha256Fingerprint } from "../src/pki";
import { validateCustomResource } from "./crdFacts";
import { byName, byType, isIssuedBy, only, pathLength, planConfig } from "./helpers";
import { VAULT_BASE, VAULT_TYPES } from "./vaultTypes";

const hcl: { parse(input: string): string } = require("js-hcl-parser");

const T = {
    ...VAULT_TYPES,
    clusterIssuer: "kubernetes:cert-manager.io/v1:ClusterIssuer",
    certificate: "kubernetes:cert-manager.io/v1:Certificate",
    release: "kubernetes:helm.sh/v3:Release",
};

function inputs(resource: PlannedResource): Record<string, any> {
    return resource.inputs as Record<string, any>;
}

function release(plan: PlanResult, chart: string): PlannedResource {
    return byType(plan, T.release).find((r) => inputs(r).chart === chart)!;
}

/** What a policy grants, path by path, as Vault's HCL parser reads it. */
function grants(policy: string): Record<string, string[]> {
    const text = hcl.parse(policy);
    assert.ok(!text.startsWith("unable to"), text);
    const document = JSON.parse(text);
    assert.deepEqual(Object.keys(document), ["path"]);
    const result: Record<string, string[]> = {};
    for (const entry of document.path) for (const [path, blocks] of Object.entries(entry as Record<string, any[]>)) result[path] = blocks[0].capabilities;
    return result;
}

describe("mode vault, cacerts delivery", () => {
    let plan: PlanResult;
    before(async () => {
        plan = await planConfig({ ...VAULT_BASE, rootKeyAlgorithm: "ECDSA-P384", vaultIntermediateKeyAlgorithm: "ECDSA-P256" });
    });

    it("creates every Vault resource with the one explicit Vault provider", () => {
        const provider = only(plan, T.provider);
        assert.equal(inputs(provider).address, "https://vault.example.com:8200");
        const vaultResources = plan.resources.filter((r) => r.type.startsWith("vault:"));
        assert.ok(vaultResources.length >= 14, `${vaultResources.length} Vault resources`);
        for (const resource of vaultResources) assert.equal(resource.provider, provider.name, `${resource.name} uses the explicit provider`);
    });

    it("mounts a root and an intermediate PKI with max lease TTLs from the lifetimes", () => {
        const mounts = byType(plan, T.mount).map(inputs);
        assert.deepEqual(mounts.map((m) => [m.path, m.type, m.maxLeaseTtlSeconds]).sort(), [
            ["pki-istio", "pki", 43800 * 3600],
            ["pki-istio-root", "pki", 87600 * 3600],
        ]);
    });

    it("generates the root inside Vault, named and protected, with room for two CA levels", () => {
        const root = only(plan, T.root);
        const args = inputs(root);
        assert.equal(args.type, "internal", "the root key never leaves Vault");
        assert.equal(args.backend, "pki-istio-root");
        assert.equal(args.issuerName, "istio-root");
        assert.equal(args.maxPathLength, 2);
        assert.equal(args.ttl, "87600h");
        assert.deepEqual([args.keyType, args.keyBits], ["ec", 384]);
        assert.ok(root.protect, "the root is protected");
        assert.ok(root.dependsOn.includes("vault-pki-root-mount"));
        assert.deepEqual(
            plan.resources.filter((r) => r.protect).map((r) => r.name),
            ["vault-pki-root"],
        );
    });

    it("signs the intermediate's CSR with the root issuer and sets it signed with the full chain", () => {
        const csr = only(plan, T.csr);
        assert.equal(inputs(csr).type, "internal");
        assert.equal(inputs(csr).backend, "pki-istio");
        assert.deepEqual([inputs(csr).keyType, inputs(csr).keyBits], ["ec", 256]);
        const sign = only(plan, T.sign);
        assert.equal(inputs(sign).backend, "pki-istio-root");
        assert.equal(inputs(sign).issuerRef, only(plan, T.root).outputs.issuerId, "pinned to the root issuer");
        assert.equal(inputs(sign).maxPathLength, 1, "cacerts: the Vault intermediate signs istiod's CA");
        assert.equal(inputs(sign).ttl, "43800h");
        assert.ok(sign.dependsOn.includes("vault-pki-intermediate-csr") && sign.dependsOn.includes("vault-pki-root"));
        const setSigned = only(plan, T.setSigned);
        assert.equal(inputs(setSigned).backend, "pki-istio");
        assert.equal(inputs(setSigned).certificate, `${sign.outputs.certificate}${sign.outputs.issuingCa}`, "intermediate then its issuing CA");
    });

    it("names the intermediate issuer, refuses leaves beyond it, and sets the default issuers explicitly", () => {
        const issuer = only(plan, T.issuer);
        assert.equal(inputs(issuer).issuerName, "istio-intermediate");
        assert.equal(inputs(issuer).leafNotAfterBehavior, "err");
        assert.equal(inputs(issuer).issuerRef, (only(plan, T.setSigned).outputs.importedIssuers as string[])[0]);
        const defaults = byType(plan, T.defaults).map(inputs);
        assert.deepEqual(defaults.map((d) => [d.backend, d.default]).sort(), [
            ["pki-istio", issuer.outputs.issuerId],
            ["pki-istio-root", only(plan, T.root).outputs.issuerId],
        ]);
        assert.ok(defaults.every((d) => d.defaultFollowsLatestIssuer === false));
        const urls = byType(plan, T.urls).map(inputs);
        assert.deepEqual(urls.map((u) => [u.backend, u.issuingCertificates[0], u.crlDistributionPoints[0]]).sort(), [
            ["pki-istio", "https://vault.example.com:8200/v1/pki-istio/ca", "https://vault.example.com:8200/v1/pki-istio/crl"],
            ["pki-istio-root", "https://vault.example.com:8200/v1/pki-istio-root/ca", "https://vault.example.com:8200/v1/pki-istio-root/crl"],
        ]);
    });

    it("plans real certificates that chain: root (pathlen 2) -> Vault intermediate (pathlen 1)", () => {
        const rootPem = only(plan, T.root).outputs.certificate as string;
        const intermediatePem = only(plan, T.sign).outputs.certificate as string;
        assert.ok(isIssuedBy(rootPem, rootPem), "the root is self-signed");
        assert.ok(isIssuedBy(intermediatePem, rootPem), "the intermediate is signed by the root");
        assert.equal(pathLength(rootPem), 2);
        assert.equal(pathLength(intermediatePem), 1);
        const root = new X509Certificate(rootPem);
        const intermediate = new X509Certificate(intermediatePem);
        assert.ok(root.ca && intermediate.ca);
        assert.equal(root.publicKey.asymmetricKeyDetails?.namedCurve, "secp384r1");
        assert.equal(intermediate.publicKey.asymmetricKeyDetails?.namedCurve, "prime256v1");
        assert.equal((Date.parse(intermediate.validTo) - Date.parse(intermediate.validFrom)) / 3600000, 43800);
        assert.equal(plan.outputs.signingRootFingerprint, sha256Fingerprint(rootPem));
        assert.deepEqual(plan.outputs.trustedRootFingerprints, [sha256Fingerprint(rootPem)]);
        assert.equal(plan.outputs.trustBundle, rootPem);
    });

    it("has no workload role: sign-intermediate needs none", () => {
        assert.equal(byType(plan, T.role).length, 0);
    });

    it("grants the signer create and update on the intermediate's sign-intermediate, nothing else", () => {
        const policy = only(plan, T.policy);
        assert.equal(inputs(policy).name, "istio-ca-signer");
        assert.deepEqual(grants(inputs(policy).policy), { "pki-istio/root/sign-intermediate": ["create", "update"] });
    });

    it("binds the Kubernetes auth role to exactly the signer ServiceAccount, its namespace and the issuer's audience", () => {
        const backend = only(plan, T.authBackend);
        assert.deepEqual([inputs(backend).type, inputs(backend).path], ["kubernetes", "kubernetes-istio"]);
        const config = only(plan, T.authConfig);
        assert.equal(inputs(config).kubernetesHost, "https://kubernetes.example.com:6443");
        // Client tokens review themselves: Vault must not substitute its own pod's token and CA.
        assert.equal(inputs(config).disableLocalCaJwt, true);
        const role = inputs(only(plan, T.authRole));
        assert.equal(role.backend, "kubernetes-istio");
        assert.equal(role.roleName, "istio-ca-signer");
        assert.deepEqual(role.boundServiceAccountNames, ["istio-ca-vault-signer"]);
        assert.deepEqual(role.boundServiceAccountNamespaces, ["cert-manager"]);
        assert.equal(role.audience, "vault://istio-ca-vault", "cert-manager's default audience for this ClusterIssuer");
        assert.deepEqual(role.tokenPolicies, ["istio-ca-signer"]);
        assert.equal(role.tokenNoDefaultPolicy, true);
        assert.equal(role.tokenTtl, 600);
        assert.equal(role.tokenMaxTtl, 600);
        assert.ok(only(plan, T.authRole).dependsOn.includes("vault-auth-config"));
    });

    it("has cert-manager log in with bound tokens of one ServiceAccount, never a static token", () => {
        const issuer = only(plan, T.clusterIssuer);
        const resource = inputs(issuer);
        assert.deepEqual(validateCustomResource(resource), []);
        assert.deepEqual(resource.spec, {
            vault: {
                server: "https://vault.example.com:8200",
                path: "pki-istio/root/sign-intermediate",
                auth: {
                    kubernetes: {
                        role: "istio-ca-signer",
                        mountPath: "/v1/auth/kubernetes-istio",
                        // The token reviews itself (Vault outside the cluster), so it must also be valid for the API server.
                        serviceAccountRef: { name: "istio-ca-vault-signer", audiences: ["https://kubernetes.default.svc.cluster.local"] },
                    },
                },
            },
        });
        assert.equal(resource.metadata.name, "istio-ca-vault");
        for (const needed of ["vault-auth-role", "vault-pki-intermediate-default-issuer", "istio-ca-vault-sa", "istio-ca-vault-token-creator", "cert-manager-release"]) {
            assert.ok(issuer.dependsOn.includes(needed), `ClusterIssuer waits for ${needed}: ${issuer.dependsOn.join(", ")}`);
        }
    });

    it("lets only cert-manager's controller create tokens, only for the signer ServiceAccount", () => {
        const sa = inputs(only(plan, "kubernetes:core/v1:ServiceAccount"));
        assert.deepEqual([sa.metadata.name, sa.metadata.namespace, sa.automountServiceAccountToken], ["istio-ca-vault-signer", "cert-manager", false]);
        const named = (type: string) => inputs(byType(plan, `kubernetes:rbac.authorization.k8s.io/v1:${type}`).find((r) => r.name === "istio-ca-vault-token-creator")!);
        const role = named("Role");
        assert.equal(role.metadata.namespace, "cert-manager");
        assert.deepEqual(role.rules, [{ apiGroups: [""], resources: ["serviceaccounts/token"], resourceNames: ["istio-ca-vault-signer"], verbs: ["create"] }]);
        const binding = named("RoleBinding");
        assert.deepEqual(binding.roleRef, { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name });
        assert.deepEqual(binding.subjects, [{ kind: "ServiceAccount", name: "cert-manager", namespace: "cert-manager" }]);
        const review = inputs(only(plan, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding"));
        assert.equal(review.roleRef.name, "system:auth-delegator");
        assert.deepEqual(review.subjects, [{ kind: "ServiceAccount", name: "istio-ca-vault-signer", namespace: "cert-manager" }]);
    });

    it("issues istiod's CA into cacerts through the Vault issuer, before istiod starts", () => {
        const certificate = only(plan, T.certificate);
        const spec = inputs(certificate).spec;
        assert.deepEqual(validateCustomResource(inputs(certificate)), []);
        assert.equal(spec.isCA, true);
        assert.equal(spec.secretName, "cacerts");
        assert.deepEqual(spec.issuerRef, { name: "istio-ca-vault", kind: "ClusterIssuer", group: "cert-manager.io" });
        assert.ok(certificate.dependsOn.includes("istio-ca-vault"));
        const istiod = release(plan, "istiod");
        assert.ok(istiod.dependsOn.includes(certificate.name));
        assert.equal((inputs(istiod).values.env as Record<string, string>).ENABLE_CA_SERVER, undefined, "istiod signs workloads");
    });

    it("shows no private key and no token anywhere in the plan", () => {
        const text = JSON.stringify(plan);
        assert.ok(!text.includes("PRIVATE KEY"));
        assert.equal(only(plan, T.csr).outputs.privateKey, "[secret]");
    });
});

describe("mode vault, istio-csr delivery", () => {
    let plan: PlanResult;
    before(async () => {
        plan = await planConfig({ ...VAULT_BASE, certManagerDelivery: "istio-csr", workloadCertTtl: "12h", maxWorkloadCertTtl: "24h" });
    });

    it("makes the Vault intermediate sign leaves only (pathlen 0), under the same root", () => {
        const rootPem = only(plan, T.root).outputs.certificate as string;
        const intermediatePem = only(plan, T.sign).outputs.certificate as string;
        assert.equal(inputs(only(plan, T.sign)).maxPathLength, 0);
        assert.equal(pathLength(intermediatePem), 0);
        assert.equal(pathLength(rootPem), 2);
        assert.ok(isIssuedBy(intermediatePem, rootPem));
    });

    it("has a workload role limited to SPIFFE IDs of the trust domain and the two serving names", () => {
        const role = only(plan, T.role);
        const args = inputs(role);
        assert.equal(args.backend, "pki-istio");
        assert.equal(args.name, "istio-workloads");
        assert.deepEqual(args.allowedUriSans, ["spiffe://prod.example.com/*"]);
        assert.deepEqual(args.allowedDomains, ["istiod.istio-system.svc", "cert-manager-istio-csr.cert-manager.svc"]);
        assert.equal(args.requireCn, false);
        assert.equal(args.allowBareDomains, true);
        for (const flag of ["allowSubdomains", "allowGlobDomains", "allowWildcardCertificates", "allowLocalhost", "allowIpSans", "allowAnyName"])
            assert.equal(args[flag], false, flag);
        assert.deepEqual([args.keyType, args.keyBits], ["rsa", 2048]);
        assert.equal(args.ttl, String(12 * 3600));
        assert.equal(args.maxTtl, String(24 * 3600));
        assert.ok(role.dependsOn.includes("vault-pki-intermediate-default-issuer"));
    });

    it("grants the signer create and update on the role's sign path only", () => {
        assert.deepEqual(grants(inputs(only(plan, T.policy)).policy), { "pki-istio/sign/istio-workloads": ["create", "update"] });
        const issuer = inputs(only(plan, T.clusterIssuer));
        assert.equal(issuer.spec.vault.path, "pki-istio/sign/istio-workloads");
        assert.deepEqual(validateCustomResource(issuer), []);
        assert.ok(only(plan, T.clusterIssuer).dependsOn.includes("vault-pki-role-istio-workloads"));
    });

    it("points istio-csr at the Vault ClusterIssuer and istiod at istio-csr", () => {
        const csr = inputs(release(plan, "cert-manager-istio-csr"));
        assert.deepEqual(csr.values.app.certmanager.issuer, { name: "istio-ca-vault", kind: "ClusterIssuer", group: "cert-manager.io" });
        assert.equal(csr.values.app.server.maxCertificateDuration, "24h");
        const istiod = release(plan, "istiod");
        assert.equal(inputs(istiod).values.env.ENABLE_CA_SERVER, "false");
        assert.equal(inputs(istiod).values.global.caAddress, "cert-manager-istio-csr.cert-manager.svc:443");
        assert.ok(istiod.dependsOn.includes(release(plan, "cert-manager-istio-csr").name));
        assert.equal(byType(plan, T.certificate).length, 0, "no cacerts");
    });

    it("distributes the Vault root as the mesh trust bundle", () => {
        const rootPem = only(plan, T.root).outputs.certificate as string;
        const source = byName(plan, "mesh-trust-source");
        assert.equal((inputs(source).data as Record<string, string>)["ca.pem"], rootPem);
        assert.equal(plan.outputs.trustBundle, rootPem);
    });
});

describe("mode vault settings", () => {
    it("passes the token only as a secret to the provider, and the Enterprise namespace to provider and issuer", async () => {
        const token = "hvs.CAESIabcdefghijklmnopqrstuvwxyz0123456789";
        const plan = await planConfig({ ...VAULT_BASE, vaultToken: token, vaultNamespace: "platform/mesh" }, { secretKeys: ["vaultToken"] });
        const provider = inputs(only(plan, T.provider));
        assert.equal(provider.token, "[secret]");
        assert.equal(provider.namespace, "platform/mesh");
        assert.ok(!JSON.stringify(plan).includes(token), "the token appears nowhere in the plan");
        assert.equal(inputs(only(plan, T.clusterIssuer)).spec.vault.namespace, "platform/mesh");
    });

    it("plans without a token (the offline plan never talks to Vault)", async () => {
        const plan = await planConfig(VAULT_BASE);
        assert.equal(inputs(only(plan, T.provider)).token, undefined);
    });

    it("uses custom mount and auth paths everywhere they appear", async () => {
        const plan = await planConfig({
            ...VAULT_BASE,
            vaultRootMountPath: "mesh/root",
            vaultIntermediateMountPath: "mesh/int",
            vaultKubernetesAuthPath: "k8s-prod",
            vaultTokenTtl: "5m",
        });
        assert.deepEqual(
            byType(plan, T.mount)
                .map((m) => inputs(m).path)
                .sort(),
            ["mesh/int", "mesh/root"],
        );
        assert.deepEqual(grants(inputs(only(plan, T.policy)).policy), { "mesh/int/root/sign-intermediate": ["create", "update"] });
        const issuer = inputs(only(plan, T.clusterIssuer)).spec.vault;
        assert.equal(issuer.path, "mesh/int/root/sign-intermediate");
        assert.equal(issuer.auth.kubernetes.mountPath, "/v1/auth/k8s-prod");
        assert.equal(inputs(only(plan, T.authRole)).tokenTtl, 300);
        assert.ok(isIssuedBy(only(plan, T.sign).outputs.certificate as string, only(plan, T.root).outputs.certificate as string));
    });

    it("sets the Vault TLS CA bundle (base64) and the API server CA where given, and skips auth-delegator for an in-cluster reviewer", async () => {
        const rootPem = only(await planConfig(VAULT_BASE), T.root).outputs.certificate as string;
        const { vaultKubernetesApiAudience: _, ...inCluster } = VAULT_BASE;
        const plan = await planConfig({ ...inCluster, vaultCaBundle: rootPem, vaultKubernetesCaCert: rootPem, vaultTokenReviewer: "vault" });
        assert.equal(Buffer.from(inputs(only(plan, T.clusterIssuer)).spec.vault.caBundle, "base64").toString(), rootPem);
        assert.deepEqual(inputs(only(plan, T.clusterIssuer)).spec.vault.auth.kubernetes.serviceAccountRef, { name: "istio-ca-vault-signer" }, "only cert-manager's Vault audience");
        assert.equal(inputs(only(plan, T.authConfig)).kubernetesCaCert, rootPem);
        assert.equal(inputs(only(plan, T.authConfig)).disableLocalCaJwt, false, "Vault's own in-cluster ServiceAccount reviews logins");
        assert.equal(byType(plan, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding").length, 0);
    });
});

describe("mode vault: the provider's token and intermediate renewal", () => {
    it("gives the provider's child token a TTL that outlives a long update", async () => {
        const plan = await planConfig({ ...VAULT_BASE });
        assert.equal(Number(inputs(only(plan, T.provider)).maxLeaseTtlSeconds), 7200);
        const longer = await planConfig({ ...VAULT_BASE, vaultProviderTokenTtl: "4h" });
        assert.equal(Number(inputs(only(longer, T.provider)).maxLeaseTtlSeconds), 4 * 3600);
    });

    it("names the intermediate by its generation: a new key, issuer and default, the old issuer left in Vault", async () => {
        const first = await planConfig({ ...VAULT_BASE });
        const second = await planConfig({ ...VAULT_BASE, vaultIntermediateGeneration: "2" });
        const issuerOf = (plan: PlanResult) => only(plan, T.issuer);
        assert.equal(inputs(issuerOf(first)).issuerName, "istio-intermediate");
        assert.equal(inputs(issuerOf(second)).issuerName, "istio-intermediate-g2");
        assert.equal(only(second, T.csr).name, "vault-pki-intermediate-g2-csr");
        assert.equal(inputs(only(second, T.csr)).commonName, "istio-ca vault intermediate g2");
        // The mount's default follows the new issuer; cert-manager re-issues cacerts because its CN names the generation.
        const defaults = byType(second, T.defaults).find((r) => r.name === "vault-pki-intermediate-default-issuer")!;
        assert.equal(inputs(defaults).default, issuerOf(second).outputs.issuerId);
        const cacerts = byType(second, T.certificate).find((r) => inputs(r).spec.secretName === "cacerts")!;
        assert.equal(inputs(cacerts).spec.commonName, "istio-ca intermediate g2");
        for (const plan of [first, second]) {
            const issuer = issuerOf(plan);
            assert.equal(issuer.retainOnDelete, true, "deleting the resource leaves the issuer in Vault");
            assert.deepEqual(issuer.replaceOnChanges, ["issuerRef"], "an issuer_ref change makes a new resource, not a patch of the old issuer");
        }
    });
});

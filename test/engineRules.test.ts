import { strict as assert } from "assert";
import { diffPlans, refusalOf, renderChanges, summarizeChanges } from "../plan/diff";
import { REPLACE_RULES, replaceRuleOf } from "../plan/engineRules";
import { PlannedResource } from "../plan/types";

const NOW = new Date("2027-01-01T00:00:00Z");

function resource(type: string, name: string, inputs: Record<string, unknown>, extra: Partial<PlannedResource> = {}): PlannedResource {
    return {
        type,
        name,
        parent: null,
        urn: `urn:pulumi:s::p::${type}::${name}`,
        custom: true,
        protect: false,
        retainOnDelete: false,
        replaceOnChanges: [],
        deleteBeforeReplace: false,
        dependsOn: [],
        provider: "kubernetes",
        read: false,
        inputs,
        outputs: {},
        secretDigests: {},
        ...extra,
    };
}

const provider = (flags: boolean) =>
    resource("pulumi:providers:kubernetes", "kubernetes", flags ? { enableSecretMutable: "true", enableConfigMapMutable: "true" } : {}, { provider: null });
const SECRET = "kubernetes:core/v1:Secret";
const CONFIG_MAP = "kubernetes:core/v1:ConfigMap";

function change(before: PlannedResource[], after: PlannedResource[], name: string) {
    const found = diffPlans(before, after, NOW).find((c) => c.name === name);
    assert.ok(found, `a change for ${name}`);
    return found;
}

describe("engine rules: what pulumi up does to a changed resource", () => {
    const cacerts = (data: string) =>
        resource(SECRET, "cacerts", { metadata: { name: "cacerts", namespace: "istio-system" }, type: "Opaque", stringData: { "ca-cert.pem": data } });
    const bundle = (data: string) => resource(CONFIG_MAP, "bundle", { metadata: { name: "istio-ca-trust-bundle-source" }, data: { "ca.pem": data } });

    it("deletes a named Secret or ConfigMap before re-creating it on a data change while the provider's mutable flags are off", () => {
        assert.equal(change([provider(false), cacerts("A")], [provider(false), cacerts("B")], "cacerts").operation, "delete-before-replace");
        assert.equal(change([provider(false), bundle("A")], [provider(false), bundle("B")], "bundle").operation, "delete-before-replace");
    });

    it("updates them in place with enableSecretMutable and enableConfigMapMutable", () => {
        const secret = change([provider(true), cacerts("A")], [provider(true), cacerts("B")], "cacerts");
        assert.deepEqual([secret.operation, secret.changed], ["update", ["stringData.ca-cert.pem"]]);
        assert.equal(change([provider(true), bundle("A")], [provider(true), bundle("B")], "bundle").operation, "update");
    });

    it("still replaces a Secret whose type changes, and any object renamed or moved", () => {
        const typed = { ...cacerts("A"), inputs: { ...cacerts("A").inputs, type: "kubernetes.io/tls" } };
        assert.equal(change([provider(true), cacerts("A")], [provider(true), typed], "cacerts").operation, "delete-before-replace");
        const moved = resource("kubernetes:cert-manager.io/v1:Certificate", "c", { metadata: { name: "c", namespace: "b" }, spec: { commonName: "x" } });
        const original = resource("kubernetes:cert-manager.io/v1:Certificate", "c", { metadata: { name: "c", namespace: "a" }, spec: { commonName: "x" } });
        assert.deepEqual(change([original], [moved], "c").replacedBy, ["metadata.namespace"]);
        const specOnly = resource("kubernetes:cert-manager.io/v1:Certificate", "c", { metadata: { name: "c", namespace: "a" }, spec: { commonName: "y" } });
        assert.equal(change([original], [specOnly], "c").operation, "update", "a custom resource's spec updates in place");
    });

    it("replaces a RoleBinding whose roleRef changes", () => {
        const binding = (role: string) =>
            resource("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding", "rb", { metadata: { name: "rb", namespace: "n" }, roleRef: { kind: "Role", name: role } });
        assert.equal(change([binding("a")], [binding("b")], "rb").operation, "delete-before-replace");
    });

    it("upgrades a Helm release in place unless its name or namespace changes", () => {
        const release = (values: object, name = "istiod") =>
            resource("kubernetes:helm.sh/v3:Release", "istio-istiod", { name, chart: "istiod", version: "1.30.3", namespace: "istio-system", values });
        assert.equal(change([release({ a: 1 })], [release({ a: 2 })], "istio-istiod").operation, "update");
        assert.equal(change([release({})], [release({}, "istiod-canary")], "istio-istiod").operation, "replace", "Helm releases are not deleted first (helm_release.go)");
    });

    it("refuses to replace or delete a protected resource", () => {
        const root = (bits: string) => resource("tls:index/privateKey:PrivateKey", "root-key", { algorithm: "ECDSA", ecdsaCurve: bits }, { protect: true, provider: null });
        const replaced = change([root("P384")], [root("P256")], "root-key");
        assert.deepEqual([replaced.operation, replaced.refused, replaced.replacedBy], ["refused", "replace", ["ecdsaCurve"]]);
        const deleted = diffPlans([root("P384")], [], NOW);
        assert.deepEqual(
            deleted.map((c) => [c.operation, c.refused]),
            [["refused", "delete"]],
        );
        assert.match(refusalOf(deleted)!, /protected resources would be deleted: root-key.*pulumi state unprotect/);
        assert.equal(refusalOf([...diffPlans([root("P384")], [root("P384")], NOW)]), undefined);
    });

    it("renews a tls certificate once now is within earlyRenewalHours of its end, and only then", () => {
        const cert = (early: number) =>
            resource(
                "tls:index/locallySignedCert:LocallySignedCert",
                "ca",
                { certRequestPem: "CSR", validityPeriodHours: 8760, earlyRenewalHours: early },
                { provider: null, outputs: { validityEndTime: "2027-01-10T00:00:00Z" } },
            );
        assert.equal(change([cert(24)], [cert(24)], "ca").operation, "same", "9 days before the end, outside a 24h window");
        const due = change([cert(720)], [cert(720)], "ca");
        assert.deepEqual([due.operation, due.replacedBy], ["replace", ["readyForRenewal"]]);
    });

    it("knows the Vault changes that only rewrite Pulumi's state, and the deletes that leave Vault alone", () => {
        const root = (ttl: string) =>
            resource("vault:pkiSecret/secretBackendRootCert:SecretBackendRootCert", "root", { backend: "pki", commonName: "r", ttl }, { provider: "vault" });
        const ttl = change([root("87600h")], [root("43800h")], "root");
        assert.deepEqual([ttl.operation, ttl.stateOnly], ["update", ["ttl"]]);
        const issuer = (ref: string) =>
            resource(
                "vault:pkiSecret/secretBackendIssuer:SecretBackendIssuer",
                "issuer",
                { backend: "pki", issuerRef: ref },
                { provider: "vault", replaceOnChanges: ["issuerRef"] },
            );
        assert.equal(change([issuer("a")], [issuer("b")], "issuer").operation, "replace", "replaceOnChanges");
        const csr = resource("vault:pkiSecret/secretBackendIntermediateCertRequest:SecretBackendIntermediateCertRequest", "csr", { backend: "pki" }, { provider: "vault" });
        assert.deepEqual(
            diffPlans([csr], [], NOW).map((c) => [c.operation, c.keepsObject]),
            [["delete", true]],
        );
        const retained = { ...issuer("a"), retainOnDelete: true };
        assert.equal(diffPlans([retained], [], NOW)[0].keepsObject, true);
    });

    it("sees a change of a redacted input by its digest", () => {
        const key = (digest: string) => resource(SECRET, "s", { metadata: { name: "s" }, stringData: { key: "[secret]" } }, { secretDigests: { "stringData.key": digest } });
        assert.equal(change([provider(true), key("sha256:a")], [provider(true), key("sha256:a")], "s").operation, "same");
        assert.equal(change([provider(true), key("sha256:a")], [provider(true), key("sha256:b")], "s").operation, "update");
    });

    it("leaves components, reads and the stack reference out", () => {
        const component = { ...resource("istio-ca:ca:PluginCa", "plugin-ca", {}), custom: false };
        const read = { ...resource("kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition", "crd", {}), read: true };
        const reference = resource("pulumi:pulumi:StackReference", "previous-deployment", { name: "x" });
        assert.deepEqual(diffPlans([], [component, read, reference], NOW), []);
    });

    it("summarizes and renders the changes", () => {
        const changes = diffPlans([provider(true), cacerts("A")], [provider(true), cacerts("B"), bundle("x")], NOW);
        assert.equal(summarizeChanges(changes), "1 to create, 1 to update in place, 1 unchanged");
        assert.match(renderChanges(changes), /~  update +kubernetes:core\/v1:Secret cacerts  changed: stringData\.ca-cert\.pem/);
    });

    it("cites its source for every rule", () => {
        for (const [type, rule] of Object.entries(REPLACE_RULES)) assert.match(rule.source, /\.go/, type);
        assert.ok(replaceRuleOf("kubernetes:security.istio.io/v1:PeerAuthentication")?.deleteBeforeReplaceWhenNamed);
        assert.equal(replaceRuleOf("istio-ca:ca:PluginCa"), undefined);
    });
});

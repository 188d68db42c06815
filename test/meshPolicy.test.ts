import { strict as assert } from "assert";
import { parseStackConfig } from "../src/config";
import { fallbackName, fallbackPeerAuthentication, meshPeerAuthentication, pinnedClientPodAnnotations, pinnedDestinationRule, pinnedRuleName, spiffeId } from "../src/meshPolicy";
import { PROXY_CONFIG_FIELDS, PROXY_METADATA_VARS } from "./istiodValueFacts";
import { validateCustomResource } from "./meshCrdFacts";
import { PlannedResource } from "../plan/engine";
import { byType, configProblems, onlyConfigProblem, planConfig, rejection } from "./helpers";

const inputsOf = (resource: PlannedResource) => resource.inputs as Record<string, any>;

const PLUGIN = { caMode: "plugin" };
const PIN = { host: "payments.prod.svc.cluster.local", clientNamespace: "checkout", serviceAccounts: ["prod/payments"] };

describe("mesh policy config", () => {
    it("defaults to an enabled STRICT mesh without exceptions", () => {
        const model = parseStackConfig({ values: {}, secretKeys: new Set() });
        assert.deepEqual(model.meshPolicy, { enabled: true, mtlsMode: "STRICT", permissiveFallbacks: [], pinnedHosts: [] });
    });

    it("reads fallbacks and pins", () => {
        const values = {
            caMode: "plugin",
            mtlsMode: "STRICT",
            permissiveFallbacks: JSON.stringify([
                { namespace: "legacy", reason: " batch jobs " },
                { namespace: "legacy", selector: { app: "x" }, reason: "probe" },
            ]),
            pinnedHosts: JSON.stringify([PIN]),
        };
        const model = parseStackConfig({ values, secretKeys: new Set() });
        assert.deepEqual(model.meshPolicy.permissiveFallbacks, [
            { namespace: "legacy", reason: "batch jobs" },
            { namespace: "legacy", selector: { app: "x" }, reason: "probe" },
        ]);
        assert.deepEqual(model.meshPolicy.pinnedHosts, [PIN]);
    });

    it("rejects an unknown mTLS mode", () => {
        assert.match(onlyConfigProblem({ mtlsMode: "DISABLE" }, "mtlsMode", { value: '"DISABLE"' }).message, /one of STRICT, PERMISSIVE/);
    });

    it("rejects a non-boolean meshPolicyEnabled", () => {
        onlyConfigProblem({ meshPolicyEnabled: "yes" }, "meshPolicyEnabled", { value: '"yes"' });
    });

    it("rejects a value that is not structured, not a list, or has non-object entries", () => {
        assert.match(onlyConfigProblem({ permissiveFallbacks: "legacy" }, "permissiveFallbacks").message, /not a structured value/);
        assert.match(onlyConfigProblem({ permissiveFallbacks: { namespace: "legacy" } }, "permissiveFallbacks").message, /not a list/);
        assert.match(onlyConfigProblem({ permissiveFallbacks: ["legacy"] }, "permissiveFallbacks[0]", { value: '"legacy"' }).message, /not an object/);
    });

    it("rejects unknown fields in an entry", () => {
        const problem = onlyConfigProblem({ permissiveFallbacks: [{ namespace: "legacy", reason: "r", mode: "DISABLE" }] }, "permissiveFallbacks[0].mode", { value: '"DISABLE"' });
        assert.match(problem.fix, /namespace, selector, reason/);
    });

    it("rejects a fallback namespace that is not a DNS-1123 label", () => {
        const problem = onlyConfigProblem({ permissiveFallbacks: [{ namespace: "Legacy_NS", reason: "r" }] }, "permissiveFallbacks[0].namespace", { value: '"Legacy_NS"' });
        assert.match(problem.message, /not a namespace name.*DNS-1123/);
    });

    it("rejects a missing namespace", () => {
        onlyConfigProblem({ permissiveFallbacks: [{ reason: "r" }] }, "permissiveFallbacks[0].namespace", { value: "(unset)" });
    });

    for (const reason of [undefined, "", "   "]) {
        it(`rejects an empty reason (${JSON.stringify(reason)})`, () => {
            const problem = onlyConfigProblem({ permissiveFallbacks: [{ namespace: "legacy", ...(reason === undefined ? {} : { reason }) }] }, "permissiveFallbacks[0].reason");
            assert.match(problem.message, /must say why/);
        });
    }

    it("rejects bad selector label keys and values", () => {
        assert.match(
            onlyConfigProblem({ permissiveFallbacks: [{ namespace: "a", selector: { "app*": "x" }, reason: "r" }] }, "permissiveFallbacks[0].selector", { value: '"app*"' })
                .message,
            /label key/,
        );
        assert.match(
            onlyConfigProblem({ permissiveFallbacks: [{ namespace: "a", selector: { app: "x y" }, reason: "r" }] }, "permissiveFallbacks[0].selector.app", { value: '"x y"' })
                .message,
            /label value/,
        );
        assert.match(
            onlyConfigProblem({ permissiveFallbacks: [{ namespace: "a", selector: { app: 3 }, reason: "r" }] }, "permissiveFallbacks[0].selector.app", { value: "3" }).message,
            /not a string/,
        );
        assert.match(
            onlyConfigProblem({ permissiveFallbacks: [{ namespace: "a", selector: {}, reason: "r" }] }, "permissiveFallbacks[0].selector", { value: "{}" }).message,
            /non-empty map/,
        );
    });

    it("rejects duplicate fallbacks, whatever the label order", () => {
        const entry = (selector: Record<string, string>) => ({ namespace: "a", selector, reason: "r" });
        const problem = onlyConfigProblem({ permissiveFallbacks: [entry({ app: "x", tier: "y" }), entry({ tier: "y", app: "x" })] }, "permissiveFallbacks[1]");
        assert.match(problem.message, /duplicates istio-ca:permissiveFallbacks\[0\]/);
    });

    it("rejects a namespace-wide fallback in the root namespace", () => {
        assert.match(onlyConfigProblem({ permissiveFallbacks: [{ namespace: "istio-system", reason: "r" }] }, "permissiveFallbacks[0].namespace").fix, /mtlsMode/);
    });

    it("rejects fallbacks under a PERMISSIVE mesh", () => {
        assert.match(onlyConfigProblem({ mtlsMode: "PERMISSIVE", permissiveFallbacks: [{ namespace: "a", reason: "r" }] }, "permissiveFallbacks").message, /no effect/);
    });

    it("rejects fallbacks and pins when the mesh policy is disabled", () => {
        assert.match(onlyConfigProblem({ meshPolicyEnabled: "false", permissiveFallbacks: [{ namespace: "a", reason: "r" }] }, "permissiveFallbacks").message, /ignored/);
        assert.match(onlyConfigProblem({ meshPolicyEnabled: "false", pinnedHosts: [PIN], caMode: "plugin" }, "pinnedHosts").message, /ignored/);
        assert.match(onlyConfigProblem({ meshPolicyEnabled: "false", mtlsMode: "STRICT" }, "mtlsMode").message, /ignored/);
    });

    it("rejects bad pinned hosts, naming the host", () => {
        for (const host of ["*", "payments", "Payments.prod.svc", "payments.prod:443", 7]) {
            const problem = onlyConfigProblem({ ...PLUGIN, pinnedHosts: [{ ...PIN, host }] }, "pinnedHosts[0].host", { value: JSON.stringify(host) });
            assert.match(problem.fix, /FQDN/);
        }
    });

    it("rejects a bad client namespace", () => {
        onlyConfigProblem({ ...PLUGIN, pinnedHosts: [{ ...PIN, clientNamespace: "Check out" }] }, "pinnedHosts[0].clientNamespace", { value: '"Check out"' });
    });

    it("requires the servers' service accounts as namespace/name", () => {
        assert.match(onlyConfigProblem({ ...PLUGIN, pinnedHosts: [{ ...PIN, serviceAccounts: [] }] }, "pinnedHosts[0].serviceAccounts", { value: "[]" }).message, /DNS names/);
        assert.match(
            onlyConfigProblem({ ...PLUGIN, pinnedHosts: [{ host: PIN.host, clientNamespace: "c" }] }, "pinnedHosts[0].serviceAccounts", { value: "(unset)" }).message,
            /non-empty list/,
        );
        assert.match(
            onlyConfigProblem({ ...PLUGIN, pinnedHosts: [{ ...PIN, serviceAccounts: ["payments"] }] }, "pinnedHosts[0].serviceAccounts[0]", { value: '"payments"' }).message,
            /namespace\/name/,
        );
        assert.match(onlyConfigProblem({ ...PLUGIN, pinnedHosts: [{ ...PIN, serviceAccounts: ["Prod/payments"] }] }, "pinnedHosts[0].serviceAccounts[0]").message, /lower-case/);
        assert.match(onlyConfigProblem({ ...PLUGIN, pinnedHosts: [{ ...PIN, serviceAccounts: ["prod/pay_ments"] }] }, "pinnedHosts[0].serviceAccounts[0]").message, /subdomain/);
        assert.match(onlyConfigProblem({ ...PLUGIN, pinnedHosts: [{ ...PIN, serviceAccounts: ["prod/a", "prod/a"] }] }, "pinnedHosts[0].serviceAccounts[1]").message, /twice/);
    });

    it("rejects duplicate pins for the same host and client namespace", () => {
        assert.match(
            onlyConfigProblem({ ...PLUGIN, pinnedHosts: [PIN, { ...PIN, serviceAccounts: ["prod/other"] }] }, "pinnedHosts[1]").message,
            /duplicates istio-ca:pinnedHosts\[0\]/,
        );
    });

    it("allows the same host pinned for two client namespaces", () => {
        const model = parseStackConfig({ values: { caMode: "plugin", pinnedHosts: JSON.stringify([PIN, { ...PIN, clientNamespace: "cart" }]) }, secretKeys: new Set() });
        assert.equal(model.meshPolicy.pinnedHosts.length, 2);
    });

    it("refuses pins with a cert-manager root made in-cluster, whose PEM the program never sees", () => {
        assert.match(onlyConfigProblem({ caMode: "cert-manager", certManagerRoot: "in-cluster", pinnedHosts: [PIN] }, "pinnedHosts").message, /certManagerRoot in-cluster/);
    });

    it("refuses pins in istiod mode, whose root the program does not know", () => {
        assert.match(onlyConfigProblem({ caMode: "istiod", pinnedHosts: [PIN] }, "pinnedHosts").message, /trust bundle/);
    });

    it("refuses pins under a PERMISSIVE mesh", () => {
        assert.match(onlyConfigProblem({ ...PLUGIN, mtlsMode: "PERMISSIVE", pinnedHosts: [PIN] }, "pinnedHosts").message, /STRICT/);
    });

    it("refuses pins to servers in a namespace made PERMISSIVE", () => {
        const problem = onlyConfigProblem({ ...PLUGIN, permissiveFallbacks: [{ namespace: "prod", reason: "r" }], pinnedHosts: [PIN] }, "pinnedHosts[0].serviceAccounts", {
            value: '"prod/payments"',
        });
        assert.match(problem.fix, /selector/);
        // A selector-scoped fallback there is the documented way out.
        parseStackConfig({
            values: { caMode: "plugin", permissiveFallbacks: JSON.stringify([{ namespace: "prod", selector: { app: "batch" }, reason: "r" }]), pinnedHosts: JSON.stringify([PIN]) },
            secretKeys: new Set(),
        });
    });

    it("reports every problem of a config at once", () => {
        const problems = configProblems({
            mtlsMode: "OFF",
            permissiveFallbacks: [{ namespace: "A", reason: "" }],
            pinnedHosts: [{ host: "*", clientNamespace: "c", serviceAccounts: ["x"] }],
        });
        assert.deepEqual(problems.map((p) => p.key).sort(), [
            "istio-ca:mtlsMode",
            "istio-ca:permissiveFallbacks[0].namespace",
            "istio-ca:permissiveFallbacks[0].reason",
            "istio-ca:pinnedHosts[0].host",
            "istio-ca:pinnedHosts[0].serviceAccounts[0]",
        ]);
    });
});

describe("mesh policy objects", () => {
    it("makes the mesh-wide PeerAuthentication in the root namespace", () => {
        const pa = meshPeerAuthentication("istio-system", "STRICT");
        assert.deepEqual([pa.metadata.namespace, pa.metadata.name, pa.spec], ["istio-system", "default", { mtls: { mode: "STRICT" } }]);
        assert.deepEqual(validateCustomResource(pa), []);
    });

    it("makes scoped fallbacks with the reason annotation", () => {
        const namespaceWide = fallbackPeerAuthentication({ namespace: "legacy", reason: "batch" });
        assert.equal(namespaceWide.metadata.name, "permissive");
        assert.equal(namespaceWide.spec.selector, undefined);
        const scoped = fallbackPeerAuthentication({ namespace: "legacy", selector: { app: "billing", "example.com/tier": "Web" }, reason: "probe" });
        assert.deepEqual(scoped.spec, { selector: { matchLabels: { app: "billing", "example.com/tier": "Web" } }, mtls: { mode: "PERMISSIVE" } });
        assert.equal(scoped.metadata.annotations!["istio-ca/reason"], "probe");
        assert.match(scoped.metadata.name, /^permissive-billing-web-[0-9a-f]{8}$/);
        for (const object of [namespaceWide, scoped]) assert.deepEqual(validateCustomResource(object), []);
    });

    it("names fallbacks stably by selector, whatever the label order", () => {
        const a = fallbackName({ namespace: "n", selector: { a: "1", b: "2" }, reason: "r" });
        const b = fallbackName({ namespace: "n", selector: { b: "2", a: "1" }, reason: "r" });
        const c = fallbackName({ namespace: "n", selector: { a: "1", b: "3" }, reason: "r" });
        assert.equal(a, b);
        assert.notEqual(a, c);
    });

    it("keeps generated names within DNS-1123 limits", () => {
        const long = fallbackName({ namespace: "n", selector: { app: "x".repeat(63), tier: "y".repeat(63) }, reason: "r" });
        const pin = pinnedRuleName({ host: `*.${"a".repeat(63)}.svc.cluster.local`, clientNamespace: "c", serviceAccounts: ["a/b"] });
        for (const name of [long, pin]) assert.match(name, /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, name);
    });

    it("pins with MUTUAL, the mounted CA file and the servers' SPIFFE identities", () => {
        const dr = pinnedDestinationRule({ ...PIN, serviceAccounts: ["prod/payments", "prod/payments-canary"] }, "prod.example.com");
        assert.equal(dr.metadata.namespace, "checkout");
        assert.deepEqual(dr.spec, {
            host: "payments.prod.svc.cluster.local",
            exportTo: ["."],
            trafficPolicy: {
                tls: {
                    mode: "MUTUAL",
                    clientCertificate: "/etc/istio-output-certs/cert-chain.pem",
                    privateKey: "/etc/istio-output-certs/key.pem",
                    caCertificates: "/etc/istio-ca/pinned/root-cert.pem",
                    subjectAltNames: ["spiffe://prod.example.com/ns/prod/sa/payments", "spiffe://prod.example.com/ns/prod/sa/payments-canary"],
                },
            },
        });
        assert.deepEqual(validateCustomResource(dr), []);
        assert.equal(spiffeId("cluster.local", "a/b"), "spiffe://cluster.local/ns/a/sa/b");
    });

    it("gives client pods the volumes whose paths the rule reads", () => {
        const annotations = pinnedClientPodAnnotations();
        const volumes = JSON.parse(annotations["sidecar.istio.io/userVolume"]);
        const mounts = JSON.parse(annotations["sidecar.istio.io/userVolumeMount"]);
        const proxyConfig = JSON.parse(annotations["proxy.istio.io/config"]);
        const tls = (pinnedDestinationRule(PIN, "cluster.local").spec.trafficPolicy as any).tls;
        const mountOf = (file: string) => mounts.find((m: any) => file.startsWith(`${m.mountPath}/`));
        assert.equal(volumes.find((v: any) => v.name === mountOf(tls.caCertificates).name).configMap.name, "istio-ca-pinned-ca");
        assert.ok(volumes.find((v: any) => v.name === mountOf(tls.clientCertificate).name).emptyDir);
        assert.equal(mountOf(tls.privateKey).name, mountOf(tls.clientCertificate).name);
        assert.equal(proxyConfig.proxyMetadata.OUTPUT_CERTS, mountOf(tls.clientCertificate).mountPath);
        for (const key of Object.keys(proxyConfig)) assert.ok(PROXY_CONFIG_FIELDS.has(key), `${key} is a ProxyConfig field`);
        for (const key of Object.keys(proxyConfig.proxyMetadata)) assert.ok(PROXY_METADATA_VARS.has(key), `${key} is an istio-agent variable`);
    });

    it("the CRD facts catch what the API server would refuse", () => {
        const pa = meshPeerAuthentication("istio-system", "STRICT") as any;
        assert.match(validateCustomResource({ ...pa, spec: { mtls: { mode: "OFF" } } }).join(), /not one of/);
        assert.match(validateCustomResource({ ...pa, spec: { mtls: { mode: "STRICT" }, selector: { matchLabels: { "a*": "b" } } } }).join(), /wildcard not allowed in label key/);
        assert.match(validateCustomResource({ ...pa, spec: { portLevelMtls: { "80": { mode: "STRICT" } } } }).join(), /requires selector/);
        const dr = pinnedDestinationRule(PIN, "cluster.local") as any;
        assert.match(validateCustomResource({ ...dr, spec: { ...dr.spec, trafficPolicy: { tls: { mode: "ISTIO_MUTUAL", caCert: "x" } } } }).join(), /caCert: unknown field/);
        assert.match(validateCustomResource({ ...dr, spec: { exportTo: ["."] } }).join(), /missing required field host/);
    });
});

describe("mesh policy in a plan", () => {
    it("creates the policy, fallbacks, pinned rule and its ConfigMap with the real trust bundle", async () => {
        const plan = await planConfig({
            caMode: "plugin",
            trustDomain: "prod.example.com",
            permissiveFallbacks: JSON.stringify([{ namespace: "legacy", reason: "batch jobs" }]),
            pinnedHosts: JSON.stringify([PIN]),
        });
        const policies = byType(plan, "kubernetes:security.istio.io/v1:PeerAuthentication");
        assert.deepEqual(
            policies.map((p) => `${inputsOf(p).metadata.namespace}/${inputsOf(p).metadata.name}=${inputsOf(p).spec.mtls.mode}`),
            ["istio-system/default=STRICT", "legacy/permissive=PERMISSIVE"],
        );
        const [rule] = byType(plan, "kubernetes:networking.istio.io/v1:DestinationRule");
        const configMap = plan.resources.find((r) => r.type === "kubernetes:core/v1:ConfigMap" && inputsOf(r).metadata.namespace === "checkout")!;
        assert.equal(inputsOf(configMap).metadata.name, "istio-ca-pinned-ca");
        assert.equal(inputsOf(configMap).data["root-cert.pem"], plan.outputs.trustBundle, "the ConfigMap holds the strategy's trust bundle");
        assert.match(inputsOf(configMap).data["root-cert.pem"], /BEGIN CERTIFICATE/);
        assert.ok(rule.dependsOn.includes(configMap.name), "the rule waits for its CA file");
        const policyComponent = plan.resources.find((r) => r.type === "istio-ca:mesh:MeshMtlsPolicy");
        assert.ok(policyComponent, "the policy component is registered");
        for (const resource of [...policies, rule, configMap]) assert.equal(resource.parent, policyComponent.name, `${resource.name} belongs to the policy component`);
        for (const resource of [...policies, rule])
            assert.ok(resource.dependsOn.includes("istio-base") && resource.dependsOn.includes("istio-istiod"), `${resource.name} comes after the control plane (CRDs)`);
        for (const resource of [...policies, rule]) assert.deepEqual(validateCustomResource(resource.inputs), [], resource.name);
    });

    it("registers no resource at all when the policy config is refused", async () => {
        const err = await rejection(planConfig({ caMode: "plugin", permissiveFallbacks: JSON.stringify([{ namespace: "legacy", reason: "" }]) }));
        assert.match(err.message, /istio-ca:permissiveFallbacks\[0\]\.reason/);
        assert.equal(err.registeredResources, 0);
    });

    it("creates nothing when disabled", async () => {
        const plan = await planConfig({ meshPolicyEnabled: "false" });
        assert.equal(plan.resources.filter((r) => r.type.includes("istio.io")).length, 0);
        assert.ok(!plan.resources.some((r) => r.type === "istio-ca:mesh:MeshMtlsPolicy"));
    });
});

import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { CaClusterIssuer, CertManager, IntermediateCaCertificate, SelfSignedRootIssuer } from "../src/components";
import { planStack } from "../plan/engine";
import { CA_USAGES, caCertificateSpec, caIssuerSpec, certManagerPrivateKey, selfSignedIssuerSpec, trustBundleSpec } from "../src/certManagerResources";
import { CSR_SIGNER_FEATURE_GATE, certManagerValues, istioCsrValues, trustManagerValues, valuePaths } from "../src/certManagerValues";
import { parseDuration } from "../src/duration";
import { CERT_MANAGER_VALUE_PATHS, ISTIO_CSR_VALUE_PATHS, TRUST_MANAGER_VALUE_PATHS, checkValues } from "./chartValueFacts";
import { CERTIFICATE_SPEC, validateCustomResource, validateField } from "./crdFacts";
import { byName } from "./helpers";

const HOUR = 3600000;

describe("cert-manager chart values", () => {
    it("installs and keeps the CRDs, with no feature gate unless asked", () => {
        const values = certManagerValues({ serviceMonitor: false, enableCsrSigner: false }) as any;
        assert.deepEqual(values.crds, { enabled: true, keep: true });
        assert.equal(values.prometheus.servicemonitor.enabled, false);
        assert.equal(values.featureGates, undefined);
        assert.equal(values.installCRDs, undefined, "the deprecated installCRDs is not used");
    });

    it("enables the CertificateSigningRequest signer as a comma-separated feature gate string", () => {
        const values = certManagerValues({ serviceMonitor: true, enableCsrSigner: true }) as any;
        assert.equal(values.featureGates, "ExperimentalCertificateSigningRequestControllers=true");
        assert.equal(CSR_SIGNER_FEATURE_GATE, "ExperimentalCertificateSigningRequestControllers");
        assert.equal(values.prometheus.servicemonitor.enabled, true);
    });

    it("writes only keys the chart schema declares, with their types", () => {
        for (const serviceMonitor of [false, true]) {
            for (const enableCsrSigner of [false, true]) {
                assert.deepEqual(checkValues(certManagerValues({ serviceMonitor, enableCsrSigner }), CERT_MANAGER_VALUE_PATHS), []);
            }
        }
    });

    it("the allowlist check catches an unknown key and a wrong type", () => {
        assert.deepEqual(checkValues({ prometheus: { serviceMonitor: { enabled: true } } }, CERT_MANAGER_VALUE_PATHS), [
            "prometheus.serviceMonitor.enabled: not a values key the chart schema declares",
        ]);
        assert.deepEqual(checkValues({ featureGates: { ExperimentalCertificateSigningRequestControllers: true } }, CERT_MANAGER_VALUE_PATHS), [
            "featureGates.ExperimentalCertificateSigningRequestControllers: not a values key the chart schema declares",
        ]);
        assert.deepEqual(checkValues({ crds: { enabled: "yes" } }, CERT_MANAGER_VALUE_PATHS), ["crds.enabled: expected boolean, got string"]);
    });

    it("lists leaf paths, treating arrays as leaves", () => {
        assert.deepEqual(valuePaths({ a: { b: 1, c: { d: true } }, e: [{ f: 1 }] }), ["a.b", "a.c.d", "e"]);
    });
});

describe("istio-csr chart values", () => {
    const settings = {
        issuer: { name: "istio-ca", kind: "Issuer" as const },
        certificateRequestNamespace: "istio-system",
        istioNamespace: "istio-system",
        trustDomain: "prod.example.com",
        maxCertificateDuration: "48h",
    };

    it("sets issuer, trust domain and maximum duration", () => {
        const values = istioCsrValues(settings) as any;
        assert.deepEqual(values.app.certmanager, { namespace: "istio-system", issuer: { name: "istio-ca", kind: "Issuer", group: "cert-manager.io" } });
        assert.equal(values.app.tls.trustDomain, "prod.example.com");
        assert.equal(values.app.server.maxCertificateDuration, "48h");
        assert.equal(values.app.tls.rootCAFile, undefined);
        assert.deepEqual(checkValues(values, ISTIO_CSR_VALUE_PATHS), []);
    });

    it("mounts the trust bundle ConfigMap as the root CA file", () => {
        const values = istioCsrValues({ ...settings, rootCaConfigMap: "istio-ca-trust-bundle" }) as any;
        assert.equal(values.app.tls.rootCAFile, "/var/run/secrets/istio-csr/ca.pem");
        assert.deepEqual(values.volumes, [{ name: "root-ca", configMap: { name: "istio-ca-trust-bundle" } }]);
        assert.deepEqual(values.volumeMounts, [{ name: "root-ca", mountPath: "/var/run/secrets/istio-csr", readOnly: true }]);
        assert.ok(values.app.tls.rootCAFile.startsWith(values.volumeMounts[0].mountPath + "/"));
        assert.deepEqual(checkValues(values, ISTIO_CSR_VALUE_PATHS), []);
    });
});

describe("trust-manager chart values", () => {
    it("reads sources from the trust namespace, without the public CA package", () => {
        const values = trustManagerValues({ trustNamespace: "cert-manager", serviceMonitor: true }) as any;
        assert.equal(values.app.trust.namespace, "cert-manager");
        assert.equal(values.defaultPackage.enabled, false);
        assert.equal(values.app.metrics.service.servicemonitor.enabled, true);
        assert.deepEqual(checkValues(values, TRUST_MANAGER_VALUE_PATHS), []);
    });
});

describe("cert-manager custom resource specs", () => {
    const spec = caCertificateSpec({
        commonName: "istio-ca intermediate",
        organization: "Example",
        secretName: "cacerts",
        keyAlgorithm: "RSA-3072",
        rotationPolicy: "Always",
        durationMs: 8760 * HOUR,
        renewBeforeMs: 720 * HOUR,
        issuerRef: { name: "istio-ca-root", kind: "ClusterIssuer" },
    }) as any;

    it("maps key algorithms to cert-manager's algorithm and size", () => {
        assert.deepEqual(certManagerPrivateKey("ECDSA-P256", "Always"), { algorithm: "ECDSA", size: 256, rotationPolicy: "Always", encoding: "PKCS8" });
        assert.deepEqual(certManagerPrivateKey("ECDSA-P384", "Never"), { algorithm: "ECDSA", size: 384, rotationPolicy: "Never", encoding: "PKCS8" });
        assert.equal(certManagerPrivateKey("RSA-4096", "Always").size, 4096);
    });

    it("writes a CA certificate with Go durations, usages and issuer", () => {
        assert.equal(spec.isCA, true);
        assert.equal(spec.duration, "8760h");
        assert.equal(spec.renewBefore, "720h");
        assert.ok(parseDuration(spec.duration)! > parseDuration(spec.renewBefore)!);
        assert.deepEqual(spec.privateKey, { algorithm: "RSA", size: 3072, rotationPolicy: "Always", encoding: "PKCS8" });
        assert.deepEqual(spec.usages, [...CA_USAGES]);
        assert.deepEqual(spec.issuerRef, { name: "istio-ca-root", kind: "ClusterIssuer", group: "cert-manager.io" });
        assert.deepEqual(spec.subject, { organizations: ["Example"] });
        assert.deepEqual(validateField(spec, CERTIFICATE_SPEC, "spec"), []);
    });

    it("conforms to the CRD facts: Certificate, ClusterIssuer (ca, selfSigned), Bundle", () => {
        assert.deepEqual(validateCustomResource({ apiVersion: "cert-manager.io/v1", kind: "Certificate", metadata: { name: "cacerts", namespace: "istio-system" }, spec }), []);
        assert.deepEqual(validateCustomResource({ apiVersion: "cert-manager.io/v1", kind: "ClusterIssuer", metadata: { name: "root" }, spec: caIssuerSpec("root-ca") }), []);
        assert.deepEqual(validateCustomResource({ apiVersion: "cert-manager.io/v1", kind: "ClusterIssuer", metadata: { name: "selfsigned" }, spec: selfSignedIssuerSpec() }), []);
        const bundle = trustBundleSpec({ sourceConfigMap: { name: "src", key: "ca.pem" }, targetKey: "ca.pem", targetNamespaces: ["cert-manager"] });
        assert.deepEqual(validateCustomResource({ apiVersion: "trust.cert-manager.io/v1alpha1", kind: "Bundle", metadata: { name: "b" }, spec: bundle }), []);
        assert.deepEqual((bundle as any).target.namespaceSelector.matchExpressions, [{ key: "kubernetes.io/metadata.name", operator: "In", values: ["cert-manager"] }]);
    });

    it("the CRD facts refuse unknown fields, bad enums, missing required fields and scope errors", () => {
        const bad = validateCustomResource({
            apiVersion: "cert-manager.io/v1",
            kind: "Certificate",
            metadata: { name: "x" },
            spec: { ...spec, secretName: undefined, privateKey: { algorithm: "EC", size: 256 }, usages: ["cert signing"], subject: { commonName: "x" } },
        });
        assert.deepEqual(
            bad.sort(),
            [
                "Certificate is namespaced but has no metadata.namespace",
                'spec.privateKey.algorithm: "EC" is not one of RSA, ECDSA, Ed25519',
                "spec.secretName: expected a string, got undefined",
                "spec.secretName: required",
                "spec.subject.commonName: not a field of this schema",
                'spec.usages[0]: "cert signing" is not one of ' +
                    "signing, digital signature, content commitment, key encipherment, key agreement, data encipherment, cert sign, crl sign, encipher only, decipher only, any, server auth, client auth, code signing, email protection, s/mime, ipsec end system, ipsec tunnel, ipsec user, timestamping, ocsp signing, microsoft sgc, netscape sgc",
            ].sort(),
        );
        assert.deepEqual(
            validateCustomResource({
                apiVersion: "cert-manager.io/v1",
                kind: "ClusterIssuer",
                metadata: { name: "x", namespace: "a" },
                spec: { ca: { secretName: "s" }, selfSigned: {} },
            }).sort(),
            ["ClusterIssuer is cluster-scoped but has metadata.namespace", "spec: exactly one of acme, ca, selfSigned, vault, venafi must be set (got ca, selfSigned)"],
        );
        assert.deepEqual(
            validateCustomResource({
                apiVersion: "trust.cert-manager.io/v1alpha1",
                kind: "Bundle",
                metadata: { name: "b" },
                spec: { sources: [{ configMap: { key: "ca.pem" } }], target: {} },
            }).sort(),
            ["spec.sources[0].configMap: exactly one of name, selector must be set (got none)", "spec.target: at least one of configMap, secret must be set"],
        );
        assert.deepEqual(validateCustomResource({ apiVersion: "trust.cert-manager.io/v1", kind: "Bundle", metadata: { name: "b" }, spec: { sources: [{ inLine: "x" }] } }), [
            "apiVersion trust.cert-manager.io/v1 of Bundle is not trust.cert-manager.io/v1alpha1",
        ]);
    });
});

describe("cert-manager components", () => {
    const noConfig = { values: {}, secretKeys: [] };

    it("CertManager passes the CSR signer gate and ServiceMonitor to the chart; issuers use its cluster resource namespace and wait for it", async () => {
        const plan = await planStack({
            stack: "components",
            config: noConfig,
            program: () => {
                const certManager = new CertManager("cm", { namespace: "certs", version: "v1.20.2", serviceMonitor: true, enableCsrSigner: true });
                const ca = new CaClusterIssuer("corp", {
                    certManager,
                    certPem: "-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n",
                    keyPem: pulumi.secret("key"),
                    issuerName: "corp-ca",
                });
                const selfSigned = new SelfSignedRootIssuer("lab", {
                    certManager,
                    root: { keyAlgorithm: "RSA-4096", validityMs: 87600 * HOUR, commonName: "lab root", organization: "Lab" },
                });
                return { issuers: [ca.issuerName, selfSigned.issuerName, selfSigned.secretName], namespace: certManager.clusterResourceNamespace };
            },
        });
        const release = byName(plan, "cm-release");
        assert.equal(release.inputs.namespace, "certs");
        assert.equal(release.inputs.version, "v1.20.2");
        assert.equal((release.inputs.values as any).featureGates, "ExperimentalCertificateSigningRequestControllers=true");
        assert.equal((release.inputs.values as any).prometheus.servicemonitor.enabled, true);
        assert.deepEqual(plan.outputs, { issuers: ["corp-ca", "lab", "lab-root"], namespace: "certs" });

        const secret = byName(plan, "corp-ca");
        assert.equal((secret.inputs.metadata as any).namespace, "certs");
        assert.equal((secret.inputs.metadata as any).name, "corp-ca-ca");
        assert.equal((secret.inputs.stringData as any)["tls.key"], "[secret]");
        assert.ok(secret.protect);
        const root = byName(plan, "lab-root");
        assert.equal((root.inputs as any).metadata.namespace, "certs");
        assert.equal((root.inputs as any).spec.privateKey.size, 4096);
        assert.ok(root.protect);

        const certManagerResources = plan.resources.filter((r) => r.type.startsWith("kubernetes:cert-manager.io/"));
        assert.equal(certManagerResources.length, 4, certManagerResources.map((r) => r.name).join(", "));
        for (const resource of certManagerResources) {
            assert.ok(resource.dependsOn.includes("cm-release"), `${resource.name} waits for the cert-manager release`);
            assert.equal((resource.inputs as any).metadata.annotations["pulumi.com/waitFor"], "condition=Ready");
            assert.deepEqual(validateCustomResource(resource.inputs as any), [], resource.name);
        }
        assert.ok(byName(plan, "corp-issuer").dependsOn.includes("corp-ca"));
        assert.ok(byName(plan, "lab-issuer").dependsOn.includes("lab-root"));
        assert.ok(byName(plan, "lab-root").dependsOn.includes("lab-selfsigned"));
    });

    it("IntermediateCaCertificate without an issuer name creates only the Certificate", async () => {
        const plan = await planStack({
            stack: "components",
            config: noConfig,
            program: () => {
                new IntermediateCaCertificate("ica", {
                    namespace: "istio-system",
                    secretName: "cacerts",
                    issuerRef: { name: "root", kind: "ClusterIssuer" },
                    intermediate: { keyAlgorithm: "ECDSA-P384", validityMs: 4380 * HOUR, renewBeforeMs: 360 * HOUR, commonName: "ica", organization: "O" },
                });
                return {};
            },
        });
        assert.deepEqual(
            plan.resources.filter((r) => r.custom).map((r) => r.type),
            ["kubernetes:cert-manager.io/v1:Certificate"],
        );
        const spec = (byName(plan, "ica-certificate").inputs as any).spec;
        assert.equal(spec.duration, "4380h");
        assert.equal(spec.renewBefore, "360h");
        assert.equal(spec.privateKey.rotationPolicy, "Always");
        assert.deepEqual(spec.secretTemplate, { labels: { "app.kubernetes.io/managed-by": "istio-ca" } });
    });
});

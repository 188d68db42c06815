import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { CaCertSettings, IntermediateCaSettings } from "../config";
import { toHoursCeil } from "../duration";
import { GENERATED_ROOT_MAX_PATH_LENGTH, composeTrustBundle, sha256Fingerprint, tlsKeyArgs } from "../pki";

/** One root CA of the mesh: generated here, or an existing one supplied as config. */
export interface RootCaSpec {
    /** Name of the root (e.g. "r2026"); names its resources and appears in outputs. */
    name: string;
    /** Settings to generate the root with `@pulumi/tls`. Exactly one of `generate` and `existing`. */
    generate?: CaCertSettings;
    /** An existing root: its PEM certificate and PEM private key (pass the key as a Pulumi secret). */
    existing?: { certPem: pulumi.Input<string>; keyPem: pulumi.Input<string> };
}

export interface PluginCaArgs {
    /** Namespace of istiod, where the `cacerts` Secret is written. */
    namespace: pulumi.Input<string>;
    /** The roots this component manages. Generated roots and their keys are `protect`ed. */
    roots: RootCaSpec[];
    /** Name of the root that signs the intermediate (must be in `roots`). */
    signingRoot: string;
    /** Names of the roots in the trust bundle (`root-cert.pem`), in order. Must include `signingRoot`. */
    trustedRoots: string[];
    /** Key, lifetime (milliseconds) and renewal window of the intermediate that istiod signs with. */
    intermediate: IntermediateCaSettings;
    /** Name of the Secret istiod reads. Default: "cacerts". */
    secretName?: string;
    /** DNS name (SAN) of the intermediate: istiod's Service name. Default: `istiod.<namespace>.svc`. */
    istiodDnsName?: pulumi.Input<string>;
}

/** Subject fields of a CA certificate. */
function subjectOf(settings: CaCertSettings, commonName: string): tls.types.input.SelfSignedCertSubject {
    return { commonName, organization: settings.organization };
}

/**
 * Plug-in CA for istiod: root(s) and an intermediate made with `@pulumi/tls`, written to the
 * `cacerts` Secret (`ca-cert.pem`, `ca-key.pem`, `root-cert.pem`, `cert-chain.pem`).
 * istiod watches that Secret's files and reloads a new intermediate or root bundle without a restart.
 */
export class PluginCa extends pulumi.ComponentResource {
    /** PEM certificate of each root, by name. */
    readonly rootCertificates: Record<string, pulumi.Output<string>> = {};
    /** The trusted roots, concatenated (`root-cert.pem`). */
    readonly trustBundle: pulumi.Output<string>;
    /** SHA-256 fingerprints of the trusted roots, in bundle order. */
    readonly trustedRootFingerprints: pulumi.Output<string[]>;
    /** SHA-256 fingerprint of the root that signs the intermediate. */
    readonly signingRootFingerprint: pulumi.Output<string>;
    /** PEM certificate of the intermediate (`ca-cert.pem`). */
    readonly intermediateCertPem: pulumi.Output<string>;
    /** Intermediate followed by its root (`cert-chain.pem`). */
    readonly certChain: pulumi.Output<string>;
    /** The `cacerts` Secret; istiod must be installed after it. */
    readonly secret: k8s.core.v1.Secret;

    constructor(name: string, args: PluginCaArgs, opts?: pulumi.ComponentResourceOptions) {
        super("istio-ca:ca:PluginCa", name, {}, opts);
        const rootKeys: Record<string, pulumi.Output<string>> = {};

        for (const root of args.roots) {
            if (root.existing) {
                this.rootCertificates[root.name] = pulumi.output(root.existing.certPem);
                rootKeys[root.name] = pulumi.secret(root.existing.keyPem);
                continue;
            }
            const settings = root.generate!;
            // Roots anchor every workload's trust: deleting one by accident would break the mesh.
            const rootKey = new tls.PrivateKey(`${name}-root-${root.name}-key`, tlsKeyArgs(settings.keyAlgorithm), { parent: this, protect: true });
            const rootCert = new tls.SelfSignedCert(
                `${name}-root-${root.name}`,
                {
                    privateKeyPem: rootKey.privateKeyPem,
                    subject: subjectOf(settings, `${settings.commonName} ${root.name}`),
                    validityPeriodHours: toHoursCeil(settings.validityMs),
                    isCaCertificate: true,
                    // The root signs intermediates only; those sign leaves.
                    maxPathLength: GENERATED_ROOT_MAX_PATH_LENGTH,
                    setSubjectKeyId: true,
                    allowedUses: ["cert_signing", "crl_signing", "digital_signature"],
                },
                { parent: this, protect: true },
            );
            this.rootCertificates[root.name] = rootCert.certPem;
            rootKeys[root.name] = rootKey.privateKeyPem;
        }

        const signingCert = this.rootCertificates[args.signingRoot];
        const intermediate = args.intermediate;
        const intermediateKey = new tls.PrivateKey(`${name}-intermediate-${args.signingRoot}-key`, tlsKeyArgs(intermediate.keyAlgorithm), { parent: this });
        const intermediateCsr = new tls.CertRequest(
            `${name}-intermediate-${args.signingRoot}-csr`,
            {
                privateKeyPem: intermediateKey.privateKeyPem,
                subject: subjectOf(intermediate, intermediate.commonName),
                dnsNames: [args.istiodDnsName ?? pulumi.interpolate`istiod.${args.namespace}.svc`],
            },
            { parent: this },
        );
        const intermediateCert = new tls.LocallySignedCert(
            `${name}-intermediate-${args.signingRoot}`,
            {
                certRequestPem: intermediateCsr.certRequestPem,
                caPrivateKeyPem: rootKeys[args.signingRoot],
                caCertPem: signingCert,
                validityPeriodHours: toHoursCeil(intermediate.validityMs),
                earlyRenewalHours: toHoursCeil(intermediate.renewBeforeMs),
                isCaCertificate: true,
                // istiod signs workload leaves directly with this certificate.
                maxPathLength: 0,
                setSubjectKeyId: true,
                allowedUses: ["cert_signing", "crl_signing", "digital_signature", "key_encipherment"],
            },
            { parent: this },
        );

        const trustedCerts = args.trustedRoots.map((rootName) => this.rootCertificates[rootName]);
        this.trustBundle = pulumi.all(trustedCerts).apply(composeTrustBundle);
        this.trustedRootFingerprints = pulumi.all(trustedCerts).apply((pems) => pems.map(sha256Fingerprint));
        this.signingRootFingerprint = signingCert.apply(sha256Fingerprint);
        this.intermediateCertPem = intermediateCert.certPem;
        this.certChain = pulumi.interpolate`${intermediateCert.certPem}${signingCert}`;

        this.secret = new k8s.core.v1.Secret(
            `${name}-cacerts`,
            {
                metadata: { name: args.secretName ?? "cacerts", namespace: args.namespace, labels: { "app.kubernetes.io/managed-by": "istio-ca" } },
                type: "Opaque",
                stringData: {
                    "ca-cert.pem": intermediateCert.certPem,
                    "ca-key.pem": pulumi.secret(intermediateKey.privateKeyPem),
                    "root-cert.pem": this.trustBundle,
                    "cert-chain.pem": this.certChain,
                },
            },
            { parent: this },
        );

        this.registerOutputs({
            trustBundle: this.trustBundle,
            trustedRootFingerprints: this.trustedRootFingerprints,
            signingRootFingerprint: this.signingRootFingerprint,
            intermediateCertPem: this.intermediateCertPem,
        });
    }
}

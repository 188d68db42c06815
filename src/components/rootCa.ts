import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { CaCertSettings } from "../config";
import { toHoursCeil } from "../duration";
import { GENERATED_ROOT_MAX_PATH_LENGTH, sha256Fingerprint, tlsKeyArgs } from "../pki";

export interface RootCaArgs {
    /** Key algorithm, lifetime (milliseconds, whole hours), subject CN and O of the root. */
    settings: CaCertSettings;
    /** Path length constraint. Default: 1 (the root signs intermediates, which sign leaves). */
    maxPathLength?: number;
}

/**
 * A root CA generated with `@pulumi/tls`, to be shared: by the clusters of a fleet, each of which
 * gets its own intermediate under it. Key and certificate are `protect`ed: deleting a root by
 * accident would break every workload's trust.
 */
export class RootCa extends pulumi.ComponentResource {
    /** The root certificate (public PEM). */
    readonly certPem: pulumi.Output<string>;
    /** The root's private key (PEM), a Pulumi secret. */
    readonly keyPem: pulumi.Output<string>;
    /** SHA-256 fingerprint of the root certificate. */
    readonly fingerprint: pulumi.Output<string>;

    constructor(name: string, args: RootCaArgs, opts?: pulumi.ComponentResourceOptions) {
        super("istio-ca:ca:RootCa", name, {}, opts);
        const { settings } = args;
        const key = new tls.PrivateKey(`${name}-key`, tlsKeyArgs(settings.keyAlgorithm), { parent: this, protect: true });
        const cert = new tls.SelfSignedCert(
            name,
            {
                privateKeyPem: key.privateKeyPem,
                subject: { commonName: settings.commonName, organization: settings.organization },
                validityPeriodHours: toHoursCeil(settings.validityMs),
                isCaCertificate: true,
                maxPathLength: args.maxPathLength ?? GENERATED_ROOT_MAX_PATH_LENGTH,
                setSubjectKeyId: true,
                allowedUses: ["cert_signing", "crl_signing", "digital_signature"],
            },
            { parent: this, protect: true },
        );
        this.certPem = cert.certPem;
        this.keyPem = pulumi.secret(key.privateKeyPem);
        this.fingerprint = cert.certPem.apply(sha256Fingerprint);
        this.registerOutputs({ certPem: this.certPem, fingerprint: this.fingerprint });
    }
}

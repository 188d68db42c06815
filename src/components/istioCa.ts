import * as pulumi from "@pulumi/pulumi";
import { IstioCaArgsError, rawConfigFromArgs, unknownArgsError } from "../componentArgs";
import { ConfigError, parseStackConfig } from "../config";
import { MeshOutputs, deployMesh } from "../mesh";
import { resolvedOutput } from "../outputState";
import { IstioCaArgs } from "./istioCaArgs";

export { IstioCaArgs, PermissiveFallbackArgs, PinnedHostArgs } from "./istioCaArgs";

/** Each argument's value, and the names of those not known yet (at preview, from another resource). */
async function resolveArgs(args: pulumi.Inputs): Promise<{ values: Record<string, unknown>; unknown: string[] }> {
    const entries = await Promise.all(
        Object.entries(args).map(async ([key, input]) => {
            const { known, value } = await resolvedOutput(input);
            return { key, known, value };
        }),
    );
    return {
        values: Object.fromEntries(entries.filter((entry) => entry.known).map((entry) => [entry.key, entry.value])),
        unknown: entries.filter((entry) => !entry.known).map((entry) => entry.key),
    };
}

/**
 * The whole mTLS CA path of one Istio mesh, as the istio-ca program deploys it for one stack: the
 * CA mode's roots, intermediates and issuers, the Istio control plane with that mode's CA settings,
 * the mesh-wide mTLS policy and, where enabled, the certificate alerts. Its arguments are the
 * program's config keys, with the same checks: invalid arguments fail the update before any resource
 * is created. Cluster and Vault access come from the providers in the resource options. Root
 * rotation phases are deployed as given; the program's guard, which checks each step against the
 * previous deployment, is not part of the component.
 */
export class IstioCa extends pulumi.ComponentResource<MeshOutputs> {
    /** The CA mode deployed. */
    public readonly caMode: pulumi.Output<string>;
    /** The mesh's SPIFFE trust domain. */
    public readonly trustDomain: pulumi.Output<string>;
    /** The Istio chart version installed. */
    public readonly istioVersion: pulumi.Output<string>;
    /** SHA-256 fingerprints of the roots in the trust bundle, in bundle order; empty where istiod makes its own root. */
    public readonly trustedRootFingerprints: pulumi.Output<string[]>;
    /** SHA-256 fingerprint of the root that signs, where the program knows it. */
    public readonly signingRootFingerprint: pulumi.Output<string | undefined>;
    /** The trust bundle (public PEM), where the program knows the roots. */
    public readonly trustBundle: pulumi.Output<string | undefined>;

    constructor(name: string, args: IstioCaArgs, opts?: pulumi.ComponentResourceOptions) {
        // The engine records a component's inputs: the root's key goes in only as a secret.
        const recorded = args.existingRootKey === undefined ? args : { ...args, existingRootKey: pulumi.secret(args.existingRootKey) };
        super("istio-ca:index:IstioCa", name, recorded, opts);
        const data = pulumi.output(this.getData());
        this.caMode = data.caMode;
        this.trustDomain = data.trustDomain;
        this.istioVersion = data.istioVersion;
        this.trustedRootFingerprints = data.apply((mesh) => mesh.trustedRootFingerprints);
        this.signingRootFingerprint = data.apply((mesh) => mesh.signingRootFingerprint ?? undefined);
        this.trustBundle = data.apply((mesh) => mesh.trustBundle ?? undefined);
    }

    protected async initialize(args: pulumi.Inputs, _opts?: pulumi.ComponentResourceOptions, name?: string): Promise<MeshOutputs> {
        const componentName = name ?? "istio-ca";
        const { values, unknown } = await resolveArgs(args);
        if (unknown.length > 0) throw unknownArgsError(componentName, unknown);
        const { raw, problems } = rawConfigFromArgs(values);
        if (problems.length > 0) throw new IstioCaArgsError(componentName, problems);
        let model;
        try {
            model = parseStackConfig(raw);
        } catch (error) {
            throw error instanceof ConfigError ? IstioCaArgsError.from(componentName, error) : error;
        }
        const mesh = deployMesh(model, { name: (base) => `${componentName}-${base}`, opts: { parent: this }, customOpts: { parent: this } });
        this.registerOutputs(mesh);
        return mesh;
    }
}

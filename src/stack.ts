/** Composes the components for a validated stack model. Holds no logic of its own beyond wiring. */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { IstioControlPlane } from "../components/istioControlPlane";
import { PluginCa, RootCaSpec } from "../components/pluginCa";
import { StackModel, parseStackConfig } from "./config";
import { IstiodCaValues } from "./istioValues";
import { readRawConfig } from "./pulumiConfig";

/** What `pulumi stack output` shows after an update. */
export interface StackOutputs {
    caMode: string;
    trustDomain: string;
    istioVersion: string;
    /** SHA-256 of each root in the trust bundle, where this program knows the roots. */
    trustedRootFingerprints: pulumi.Output<string[]> | string[];
    /** SHA-256 of the root that signs istiod's CA certificate, or null when istiod makes its own. */
    signingRootFingerprint: pulumi.Output<string> | null;
    /** The trust bundle (public PEM), or null when istiod makes its own root. */
    trustBundle: pulumi.Output<string> | null;
}

/** The name of the single root used outside a rotation. */
export const DEFAULT_ROOT_NAME = "primary";

export function deployStack(model: StackModel): StackOutputs {
    const namespace = new k8s.core.v1.Namespace("istio-system", { metadata: { name: model.istio.namespace } });
    const namespaceName = namespace.metadata.name;

    let ca: IstiodCaValues = {};
    let istiodDependsOn: pulumi.Resource[] = [];
    let trust: Pick<StackOutputs, "trustedRootFingerprints" | "signingRootFingerprint" | "trustBundle"> = {
        trustedRootFingerprints: [],
        signingRootFingerprint: null,
        trustBundle: null,
    };

    switch (model.caMode) {
        case "istiod":
            // istiod's self-signed CA: no cacerts, istiod generates and keeps its own root.
            break;
        case "plugin": {
            const root: RootCaSpec = model.existingRoot
                ? { name: DEFAULT_ROOT_NAME, existing: { certPem: model.existingRoot.certPem, keyPem: pulumi.secret(model.existingRoot.keyPem.reveal()) } }
                : { name: DEFAULT_ROOT_NAME, generate: model.rootCa };
            const pluginCa = new PluginCa("plugin-ca", {
                namespace: namespaceName,
                roots: [root],
                signingRoot: root.name,
                trustedRoots: [root.name],
                intermediate: model.intermediateCa,
            });
            istiodDependsOn = [pluginCa.secret];
            trust = {
                trustedRootFingerprints: pluginCa.trustedRootFingerprints,
                signingRootFingerprint: pluginCa.signingRootFingerprint,
                trustBundle: pluginCa.trustBundle,
            };
            break;
        }
        default:
            throw new Error(`caMode ${model.caMode} is not implemented yet`);
    }

    new IstioControlPlane("istio", {
        version: model.istio.version,
        namespace: namespaceName,
        trustDomain: model.trustDomain,
        workloadCerts: model.workloadCerts,
        ca,
        istiodDependsOn,
    });

    return { caMode: model.caMode, trustDomain: model.trustDomain, istioVersion: model.istio.version, ...trust };
}

/** Reads and validates this stack's config, then deploys it. Throws before creating anything if config is invalid. */
export async function runStack(): Promise<StackOutputs> {
    const model = parseStackConfig(readRawConfig());
    return deployStack(model);
}

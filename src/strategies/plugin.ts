import * as pulumi from "@pulumi/pulumi";
import { PluginCa, RootCaSpec } from "../../components/pluginCa";
import { CaStrategy } from "./types";

/** The name of the single root used outside a rotation. */
export const DEFAULT_ROOT_NAME = "primary";

/** Plug-in CA: root and intermediate from `@pulumi/tls` (or an existing root) in `cacerts`. */
export const pluginCa: CaStrategy = ({ model, istioNamespace }) => {
    const root: RootCaSpec = model.existingRoot
        ? { name: DEFAULT_ROOT_NAME, existing: { certPem: model.existingRoot.certPem, keyPem: pulumi.secret(model.existingRoot.keyPem.reveal()) } }
        : { name: DEFAULT_ROOT_NAME, generate: model.rootCa };
    const ca = new PluginCa("plugin-ca", {
        namespace: istioNamespace.metadata.name,
        roots: [root],
        signingRoot: root.name,
        trustedRoots: [root.name],
        intermediate: model.intermediateCa,
    });
    return {
        ca: {},
        istiodDependsOn: [ca.secret],
        trust: { trustedRootFingerprints: ca.trustedRootFingerprints, signingRootFingerprint: ca.signingRootFingerprint, trustBundle: ca.trustBundle },
    };
};

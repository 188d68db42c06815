import * as pulumi from "@pulumi/pulumi";
import { PluginCa, RootCaSpec } from "../components/pluginCa";
import { multiRootValues, rotationPlan } from "../rotation";
import { existingRootAt } from "../config";
import { rootCaSettings } from "../rootSettings";
import { sha256Fingerprint } from "../pki";
import { DeployCa } from "./types";

/**
 * Plug-in CA: roots and an intermediate from `@pulumi/tls` (the first root may be an existing
 * one) in `cacerts`. Every root in `roots` keeps its (protected) resources across phases; the
 * rotation phase picks the bundle and the root the intermediate is issued from.
 */
export const pluginCa: DeployCa = ({ model, name, istioNamespace, opts, fleet }) => {
    const plan = rotationPlan(model.rotation);
    const roots: RootCaSpec[] = plan.roots.map((rootName, index) => {
        const shared = fleet?.shared.roots?.[rootName];
        if (shared) return { name: rootName, existing: { certPem: shared.certPem, keyPem: shared.keyPem } };
        const existing = existingRootAt(model, index);
        return existing
            ? { name: rootName, existing: { certPem: existing.certPem, keyPem: pulumi.secret(existing.keyPem.reveal()) } }
            : { name: rootName, generate: rootCaSettings(model, rootName, model.rootCa) };
    });
    const ca = new PluginCa(
        name("plugin-ca"),
        {
            namespace: istioNamespace.metadata.name,
            roots,
            signingRoot: plan.signingRoot,
            trustedRoots: plan.trustedRoots,
            intermediate: model.intermediateCa,
        },
        opts,
    );
    return {
        // Set from steady on, so that a later rotation needs no restart to enable them.
        ca: multiRootValues(),
        istiodDependsOn: [ca.secret],
        trust: { trustedRootFingerprints: ca.trustedRootFingerprints, signingRootFingerprint: ca.signingRootFingerprint, trustBundle: ca.trustBundle },
        intermediateFingerprint: ca.intermediateCertPem.apply(sha256Fingerprint),
    };
};

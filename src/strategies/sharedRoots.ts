import * as pulumi from "@pulumi/pulumi";
import { caModeRecord } from "../caModes";
import { RootCa } from "../components/rootCa";
import { existingRootAt } from "../config";
import { rotationPlan } from "../rotation";
import { rootCaSettings } from "../rootSettings";
import { DeployShared, KnownRoot } from "./types";

/**
 * A fleet's roots, made once with `@pulumi/tls` (or the existing root from config): every cluster
 * gets its own intermediate under them, so the clusters trust each other's workloads.
 */
export const sharedRoots: DeployShared = ({ model, name, opts }) => {
    const record = caModeRecord(model.caMode);
    const roots: Record<string, KnownRoot> = {};
    rotationPlan(model.rotation).roots.forEach((root, index) => {
        const existing = existingRootAt(model, index);
        if (existing) {
            roots[root] = { certPem: pulumi.output(existing.certPem), keyPem: pulumi.secret(existing.keyPem.reveal()) };
            return;
        }
        const settings = rootCaSettings(model, root, model.rootCa);
        const ca = new RootCa(
            name(`root-${root}`),
            { settings: { ...settings, commonName: record.rootCommonName(settings.commonName, root) }, maxPathLength: record.rootMaxPathLength },
            opts,
        );
        roots[root] = { certPem: ca.certPem, keyPem: ca.keyPem };
    });
    return { roots };
};

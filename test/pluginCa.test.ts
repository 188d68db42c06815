import { strict as assert } from "assert";
import { X509Certificate } from "crypto";
import * as pulumi from "@pulumi/pulumi";
import { PluginCa, PluginCaArgs } from "../src/components";
import { planStack } from "../plan/engine";
import { byName } from "./helpers";

const HOUR = 3600000;
const CA = { keyAlgorithm: "ECDSA-P256" as const, validityMs: 8760 * HOUR, commonName: "test ca", organization: "Test" };

function planPluginCa(args: Partial<PluginCaArgs>) {
    return planStack({
        stack: "components",
        config: { values: {}, secretKeys: [] },
        program: () => {
            new PluginCa("pca", {
                namespace: "istio-system",
                roots: [{ name: "r1", generate: CA }],
                signingRoot: "r1",
                trustedRoots: ["r1"],
                intermediate: { ...CA, renewBeforeMs: 720 * HOUR },
                ...args,
            });
            return {};
        },
    });
}

async function intermediateDnsNames(args: Partial<PluginCaArgs>): Promise<{ requested: unknown; certificate: string | undefined }> {
    const plan = await planPluginCa(args);
    const cert = new X509Certificate(String(byName(plan, "pca-intermediate-r1").outputs.certPem));
    return { requested: byName(plan, "pca-intermediate-r1-csr").inputs.dnsNames, certificate: cert.subjectAltName };
}

describe("PluginCa", () => {
    it("names istiod's Service in its own namespace in the intermediate by default", async () => {
        const names = await intermediateDnsNames({ namespace: pulumi.output("mesh-control") });
        assert.deepEqual(names.requested, ["istiod.mesh-control.svc"]);
        assert.equal(names.certificate, "DNS:istiod.mesh-control.svc");
    });

    it("uses the given istiod DNS name", async () => {
        const names = await intermediateDnsNames({ istiodDnsName: "istiod-canary.istio-system.svc" });
        assert.deepEqual(names.requested, ["istiod-canary.istio-system.svc"]);
        assert.equal(names.certificate, "DNS:istiod-canary.istio-system.svc");
    });
});

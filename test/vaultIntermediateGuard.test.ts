import { strict as assert } from "assert";
import { RotationSettings } from "../src/rotation";
import { DesiredRotation, guardRotation } from "../program/rotationGuard";
import { RotationState, VaultIntermediateRecord } from "../program/rotationState";
import { vaultIntermediateNaming } from "../src/vaultRotation";
import { desiredRotation } from "./rotationFixtures";
import { at } from "./rotationSteps";

const TIMING = { oldChainLifetimeMs: 48 * 3600000, propagationDelayMs: 3600000 };
const PARAMETERS = { commonName: "istio-ca vault intermediate", organization: "istio-ca", keyAlgorithm: "ECDSA-P256", validityHours: 43800, maxPathLength: 1 };

function intermediate(signingRoot: string, generation: number, parameters = PARAMETERS): Omit<VaultIntermediateRecord, "retainedIssuerNames"> {
    return { generation, signingRoot, issuerName: vaultIntermediateNaming(signingRoot, parameters.commonName, generation).issuerName, parameters };
}

function desired(settings: RotationSettings, vault: Omit<VaultIntermediateRecord, "retainedIssuerNames">): DesiredRotation {
    return desiredRotation(settings, { caMode: "vault", vaultIntermediate: vault });
}

function step(previous: RotationState | undefined, settings: RotationSettings, vault: Omit<VaultIntermediateRecord, "retainedIssuerNames">, hour: number) {
    return guardRotation({ previous: previous ? { kind: "state", state: previous } : { kind: "none" }, desired: desired(settings, vault), timing: TIMING, now: at(hour) });
}

function allowed(verdict: ReturnType<typeof guardRotation>): RotationState {
    if (!verdict.allowed) assert.fail(verdict.problems.join("\n"));
    return verdict.state;
}

function refused(verdict: ReturnType<typeof guardRotation>): string {
    if (verdict.allowed) assert.fail("allowed");
    return verdict.problems.join("\n");
}

describe("Vault intermediate generations in the guard", () => {
    const steady = allowed(step(undefined, { phase: "steady", roots: ["primary"] }, intermediate("primary", 1), 0));

    it("records the intermediate in use and no retired issuer", () => {
        assert.deepEqual(steady.vaultIntermediate, { ...intermediate("primary", 1), retainedIssuerNames: [] });
        assert.equal(steady.vaultIntermediate!.issuerName, "istio-intermediate");
    });

    it("renews with the next generation, remembering the old issuer it leaves in Vault", () => {
        const renewed = allowed(step(steady, { phase: "steady", roots: ["primary"] }, intermediate("primary", 2), 1));
        assert.deepEqual(renewed.vaultIntermediate!.retainedIssuerNames, ["istio-intermediate"]);
        assert.equal(renewed.vaultIntermediate!.issuerName, "istio-intermediate-g2");
    });

    it("refuses a changed lifetime, key or subject without a new generation: Vault would not re-sign", () => {
        for (const change of [{ validityHours: 20000 }, { keyAlgorithm: "RSA-2048" }, { organization: "acme" }]) {
            const text = refused(step(steady, { phase: "steady", roots: ["primary"] }, intermediate("primary", 1, { ...PARAMETERS, ...change }), 1));
            assert.match(text, /Vault does not re-sign an intermediate on such a change.*raise istio-ca:vaultIntermediateGeneration to 2/);
        }
        assert.ok(
            step(steady, { phase: "steady", roots: ["primary"] }, intermediate("primary", 2, { ...PARAMETERS, validityHours: 20000 }), 1).allowed,
            "with the next generation",
        );
    });

    it("refuses going back a generation", () => {
        const renewed = allowed(step(steady, { phase: "steady", roots: ["primary"] }, intermediate("primary", 3), 1));
        assert.match(refused(step(renewed, { phase: "steady", roots: ["primary"] }, intermediate("primary", 2), 2)), /goes back from 3 to 2/);
    });

    it("refuses reusing the name of a retired issuer, which Vault still holds", () => {
        const trustBoth = allowed(step(steady, { phase: "trust-both", roots: ["primary", "r2"] }, intermediate("primary", 1), 1));
        const signNew = allowed(step(trustBoth, { phase: "sign-new", roots: ["primary", "r2"] }, intermediate("r2", 1), 3));
        assert.deepEqual(signNew.vaultIntermediate!.retainedIssuerNames, ["istio-intermediate"]);
        const back = refused(step(signNew, { phase: "trust-both", roots: ["primary", "r2"] }, intermediate("primary", 1), 4));
        assert.match(back, /would be named istio-intermediate, the name of an earlier intermediate .*raise istio-ca:vaultIntermediateGeneration to 2/);
        const backWithNewGeneration = allowed(step(signNew, { phase: "trust-both", roots: ["primary", "r2"] }, intermediate("primary", 2), 4));
        assert.deepEqual(backWithNewGeneration.vaultIntermediate!.retainedIssuerNames, ["istio-intermediate", "istio-intermediate-r2"]);
    });
});

import { strict as assert } from "assert";
import * as tls from "@pulumi/tls";
import { PlanError, planStack } from "../plan/engine";
import { rejection } from "./helpers";

describe("offline plan: a resource that fails", () => {
    it("fails the plan with the resource and the reason, even when no output depends on it", async () => {
        const err = await rejection(
            planStack({
                stack: "failing",
                config: { values: {}, secretKeys: [] },
                program: async () => {
                    new tls.SelfSignedCert("unusable-key", { privateKeyPem: "not a key", validityPeriodHours: 1, allowedUses: [] });
                    return { ok: true };
                },
            }),
        );
        assert.ok(err instanceof PlanError, String(err));
        assert.match(err.message, /failed to create 1 resource\(s\)/);
        assert.match(err.message, /tls:index\/selfSignedCert:SelfSignedCert unusable-key/);
    });
});

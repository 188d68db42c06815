import { strict as assert } from "assert";
import { selfStackName } from "../program/stack";

describe("the stack the guard reads its previous outputs from", () => {
    it("takes the bare stack name on a self-managed backend, which both its layouts accept", () => {
        // pulumi/pulumi pkg/backend/diy: the organization is always "organization"; the legacy layout refuses "/" in a name.
        assert.equal(selfStackName({ organization: "organization", project: "istio-ca", stack: "prod" }), "prod");
    });

    it("takes the fully qualified name on Pulumi Cloud", () => {
        assert.equal(selfStackName({ organization: "acme", project: "istio-ca", stack: "prod" }), "acme/istio-ca/prod");
    });
});

import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { PROJECT_DIR } from "../plan/engine";
import { PlannedUpdate, ROTATION_SEQUENCES, planRotationUpdates, sequenceMarkdown } from "../scripts/rotationUpdates";

/** Kinds that carry CA material or the trust bundle to the mesh. */
const CA_OBJECTS =
    /^kubernetes:(core\/v1:(Secret|ConfigMap)|cert-manager\.io\/v1:(Certificate|ClusterIssuer|Issuer)|trust\.cert-manager\.io\/v1alpha1:Bundle|helm\.sh\/v3:Release)$/;

describe("what pulumi up does at each step of every example rotation (offline plans with the providers' rules)", function () {
    this.timeout(300000);
    const results = new Map<string, PlannedUpdate[]>();
    before(async () => {
        for (const sequence of ROTATION_SEQUENCES) results.set(sequence.title, await planRotationUpdates(sequence, { finishWithoutUnprotect: true }));
    });

    for (const sequence of ROTATION_SEQUENCES) {
        describe(sequence.title, () => {
            const updates = () => results.get(sequence.title)!;
            const applied = () => updates().filter((update) => !update.label.includes("still protected"));

            it("goes through every step, renewal included, without the engine refusing one", () => {
                assert.ok(applied().length >= 5);
                for (const update of applied()) assert.equal(update.refusal, undefined, `${update.label}: ${update.refusal}`);
            });

            it("never replaces a protected resource, nor deletes or replaces a CA Secret, cacerts or trust bundle object", () => {
                const changes = applied().flatMap((update) => (update.changes ?? []).map((change) => ({ ...change, step: update.label })));
                assert.ok(changes.length > 10, `${changes.length} changes`);
                assert.deepEqual(
                    changes.filter((c) => c.operation === "delete-before-replace").map((c) => `${c.step}: ${c.name}`),
                    [],
                );
                assert.deepEqual(
                    changes.filter((c) => c.operation === "replace" && CA_OBJECTS.test(c.type)).map((c) => `${c.step}: ${c.name}`),
                    [],
                );
                assert.deepEqual(
                    changes.filter((c) => c.operation === "delete" && CA_OBJECTS.test(c.type) && !c.name.includes("r2026")).map((c) => `${c.step}: ${c.name}`),
                    [],
                    "only the retired root's objects leave",
                );
                const trustCarriers = changes.filter((c) => c.operation === "update" && CA_OBJECTS.test(c.type));
                assert.ok(trustCarriers.length >= 2, "the trust changes are updates in place");
            });

            it("refuses the clean-up while the old root is protected, naming exactly its protected resources", () => {
                const refused = updates().find((update) => update.label.includes("still protected"))!;
                const unprotected = updates().find((update) => update.label === "5 steady")!.unprotected;
                assert.ok(unprotected.length >= 1 && unprotected.every((name) => name.includes("r2026")));
                assert.deepEqual(
                    refused
                        .changes!.filter((c) => c.operation === "refused")
                        .map((c) => c.name)
                        .sort(),
                    [...unprotected].sort(),
                );
                assert.match(refused.refusal!, /protected resources would be deleted/);
            });

            it("is what docs/rotation.md shows for it", () => {
                const readme = fs.readFileSync(path.join(PROJECT_DIR, "docs", "rotation.md"), "utf8");
                const block = sequenceMarkdown(sequence, applied());
                assert.ok(readme.includes(block), `docs/rotation.md lacks the block (npx ts-node scripts/rotationUpdates.ts prints it):\n${block}`);
            });
        });
    }
});

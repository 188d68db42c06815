// Entry point for `pulumi up` (Pulumi.yaml `main`): validates this stack's config, checks the rotation guard, then composes the mesh.
import { runStack } from "./stack";

export = runStack();

// Entry point for `pulumi up`: validates this stack's config, then composes the components.
import { runStack } from "./src/stack";

export = runStack();

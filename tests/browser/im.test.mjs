// Instant messaging against Prosody (im-scenarios.mjs).
import { imTests } from "./im-scenarios.mjs";

imTests("prosody");

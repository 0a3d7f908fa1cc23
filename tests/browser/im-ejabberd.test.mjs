// Instant messaging against ejabberd (im-scenarios.mjs).
import { imTests } from "./im-scenarios.mjs";

imTests("ejabberd");

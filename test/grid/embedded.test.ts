// The grid conformance suite against the embedded (in-process) adapter.
import { EmbeddedStore } from '../../src/grid/embedded-store.ts';
import { runGridConformance } from './conformance.ts';

runGridConformance('embedded', async (limits) => new EmbeddedStore(limits));

// The runtime layer: ports and the shared driver used by both the simulator and the live coordinator.
export * from './ports.ts';
export * from './reducer.ts';
export * from './driver.ts';
export * from './memory-decision-log.ts';

/** The tests' randomised models and input, defined in fixtures/ so bench/ can use them without importing test/. */
export { randomizedModel, testInput } from '../../fixtures/models.js';

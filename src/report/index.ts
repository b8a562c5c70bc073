export { renderTable } from './table.js';
export { renderInventoryTable } from './inventory-table.js';

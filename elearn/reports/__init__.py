"""Coverage reporting for CST: figures, breakdowns, trends, gaps and exports."""

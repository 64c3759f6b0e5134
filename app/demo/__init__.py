"""Contagem's demo data (sources: IBGE boundaries, the city portal's regionals)."""

-- layers of the warehouse: core (validated facts), staging (views), mart (tables for BI),
-- audit (what every run did), quarantine (rows that failed validation, with the reason)
create schema if not exists core;
create schema if not exists staging;
create schema if not exists intermediate;
create schema if not exists mart;
create schema if not exists audit;
create schema if not exists quarantine;

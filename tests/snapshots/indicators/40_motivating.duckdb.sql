-- student_results:additive
SELECT
  "t1"."org_id",
  "t1"."year",
  "t1"."procedure",
  "t1"."subject",
  "t1"."grade",
  SUM(
    CASE
      WHEN (
        "t1"."passed" IS NOT NULL
      ) AND (
        "t1"."passed" = TRUE
      )
      THEN 1
      ELSE 0
    END
  ) AS "n0",
  SUM(CASE WHEN "t1"."passed" IS NOT NULL THEN 1 ELSE 0 END) AS "d0"
FROM (
  SELECT
    *
  FROM "student_results" AS "t0"
  WHERE
    "t0"."procedure" IN ('SPT')
) AS "t1"
GROUP BY
  1,
  2,
  3,
  4,
  5;

-- mm.medallists_70_plus:per_student
SELECT
  "t7"."org_id",
  "t7"."year",
  SUM(CASE WHEN "t7"."lowest" >= 70 THEN 1 ELSE 0 END) AS "n0",
  SUM(CASE WHEN "t7"."org_id" IS NOT NULL THEN 1 ELSE 0 END) AS "d0"
FROM (
  SELECT
    "t6"."org_id",
    "t6"."year",
    "t6"."student",
    "t6"."lowest"
  FROM (
    SELECT
      "t2"."org_id",
      "t2"."year",
      "t2"."student",
      MIN("t2"."test_score") AS "lowest"
    FROM (
      SELECT
        *
      FROM "student_results" AS "t0"
      WHERE
        "t0"."procedure" = 'EGE' AND "t0"."test_score" IS NOT NULL
    ) AS "t2"
    GROUP BY
      1,
      2,
      3
  ) AS "t6"
  SEMI JOIN (
    SELECT DISTINCT
      "t1"."org_id",
      "t1"."year",
      "t1"."student"
    FROM "medals" AS "t1"
    WHERE
      "t1"."org_id" IS NOT NULL
  ) AS "t4"
    ON "t6"."org_id" = "t4"."org_id"
    AND "t6"."year" = "t4"."year"
    AND "t6"."student" = "t4"."student"
) AS "t7"
GROUP BY
  1,
  2;

-- mm.share_220_plus:per_student
SELECT
  "t3"."org_id",
  "t3"."year",
  SUM(CASE WHEN "t3"."best3" >= 220 THEN 1 ELSE 0 END) AS "n0",
  SUM(CASE WHEN "t3"."org_id" IS NOT NULL THEN 1 ELSE 0 END) AS "d0"
FROM (
  SELECT
    "t2"."org_id",
    "t2"."year",
    "t2"."student",
    SUM(
      CASE
        WHEN (
          "t2"."_rank_best3" < 3
        ) AND (
          "t2"."test_score" IS NOT NULL
        )
        THEN "t2"."test_score"
        ELSE 0.0
      END
    ) AS "best3"
  FROM (
    SELECT
      "t1"."batch_id",
      "t1"."org_id",
      "t1"."year",
      "t1"."procedure",
      "t1"."subject",
      "t1"."grade",
      "t1"."student",
      "t1"."class_label",
      "t1"."variant",
      "t1"."primary_score",
      "t1"."test_score",
      "t1"."mark",
      "t1"."journal_mark",
      "t1"."passed",
      "t1"."level",
      ROW_NUMBER() OVER (
        PARTITION BY "t1"."org_id", "t1"."year", "t1"."student"
        ORDER BY "t1"."test_score" DESC
        ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
      ) - 1 AS "_rank_best3"
    FROM (
      SELECT
        *
      FROM "student_results" AS "t0"
      WHERE
        "t0"."procedure" = 'EGE' AND "t0"."test_score" IS NOT NULL
    ) AS "t1"
  ) AS "t2"
  GROUP BY
    1,
    2,
    3
) AS "t3"
GROUP BY
  1,
  2;

-- mm.vsosh_regional_participants:distinct
SELECT
  "t1"."org_id",
  "t1"."year",
  COUNT(DISTINCT "t1"."student") AS "n0"
FROM (
  SELECT
    *
  FROM "olympiad_results" AS "t0"
  WHERE
    "t0"."procedure" = 'VSOSH' AND "t0"."stage" IN ('regional', 'final')
) AS "t1"
GROUP BY
  1,
  2;

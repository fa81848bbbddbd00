-- student_results:additive
SELECT
  "t1"."org_id",
  "t1"."year",
  "t1"."procedure",
  "t1"."subject",
  "t1"."grade",
  SUM(CASE WHEN "t1"."procedure" = 'VPR' THEN 1 ELSE 0 END) AS "n0",
  SUM(CASE WHEN "t1"."procedure" = 'VPR' THEN 1 ELSE 0 END) AS "c0",
  SUM(
    CASE
      WHEN "t1"."procedure" IN ('VPR', 'OGE', 'GVE9')
      AND (
        "t1"."mark" IS NOT NULL
      )
      AND (
        "t1"."mark" = 2
      )
      THEN 1
      ELSE 0
    END
  ) AS "n1",
  SUM(
    CASE
      WHEN "t1"."procedure" IN ('VPR', 'OGE', 'GVE9') AND (
        "t1"."mark" IS NOT NULL
      )
      THEN 1
      ELSE 0
    END
  ) AS "d1"
FROM (
  SELECT
    *
  FROM "student_results" AS "t0"
  WHERE
    "t0"."procedure" IN ('GVE9', 'OGE', 'VPR')
) AS "t1"
GROUP BY
  1,
  2,
  3,
  4,
  5;

-- school_aggregates:additive
SELECT
  "t1"."org_id",
  "t1"."year",
  "t1"."procedure",
  "t1"."subject",
  "t1"."grade",
  SUM(CASE WHEN "t1"."org_id" IS NOT NULL THEN 1 ELSE 0 END) AS "n0",
  SUM(CASE WHEN "t1"."org_id" IS NOT NULL THEN 1 ELSE 0 END) AS "c0"
FROM (
  SELECT
    *
  FROM "school_aggregates" AS "t0"
  WHERE
    "t0"."procedure" IN ('NIKO')
) AS "t1"
GROUP BY
  1,
  2,
  3,
  4,
  5;

-- attendance:additive
SELECT
  "t1"."org_id",
  "t1"."year",
  "t1"."procedure",
  "t1"."grade",
  SUM(CAST("t1"."lessons_total" AS DOUBLE)) AS "n0",
  COUNT("t1"."lessons_total") AS "c0",
  SUM(CAST("t1"."lessons_missed_unexcused" AS DOUBLE)) AS "n1",
  COUNT("t1"."lessons_missed_unexcused") AS "c1"
FROM (
  SELECT
    *
  FROM "attendance" AS "t0"
  WHERE
    "t0"."procedure" IN ('ATTENDANCE')
) AS "t1"
GROUP BY
  1,
  2,
  3,
  4;

-- destinations:additive
SELECT
  "t1"."org_id",
  "t1"."year",
  "t1"."procedure",
  "t1"."grade",
  SUM(
    CASE
      WHEN "t1"."grade" IN (9, 11)
      AND "t1"."destination" IN ('college', 'university', 'school', 'work', 'army')
      THEN 1
      ELSE 0
    END
  ) AS "n0",
  SUM(CASE WHEN "t1"."grade" IN (9, 11) THEN 1 ELSE 0 END) AS "d0"
FROM (
  SELECT
    *
  FROM "destinations" AS "t0"
  WHERE
    "t0"."procedure" IN ('DESTINATIONS')
) AS "t1"
GROUP BY
  1,
  2,
  3,
  4;

-- dir1.ege_passed_min:distinct
SELECT
  "t1"."org_id",
  "t1"."year",
  "t1"."subject",
  COUNT(DISTINCT "t1"."student") FILTER(WHERE
    (
      "t1"."test_score" >= "t1"."_min_threshold"
    ) OR (
      "t1"."mark" >= 3
    )) AS "n0",
  COUNT(DISTINCT "t1"."student") AS "d0"
FROM (
  SELECT
    "t0"."batch_id",
    "t0"."org_id",
    "t0"."year",
    "t0"."procedure",
    "t0"."subject",
    "t0"."grade",
    "t0"."student",
    "t0"."class_label",
    "t0"."variant",
    "t0"."primary_score",
    "t0"."test_score",
    "t0"."mark",
    "t0"."journal_mark",
    "t0"."passed",
    "t0"."level",
    CASE
      WHEN (
        "t0"."procedure" = 'EGE'
      ) AND (
        "t0"."subject" = 'bio'
      )
      THEN 36.0
      WHEN (
        "t0"."procedure" = 'EGE'
      ) AND (
        "t0"."subject" = 'chem'
      )
      THEN 36.0
      WHEN (
        "t0"."procedure" = 'EGE'
      ) AND (
        "t0"."subject" = 'eng'
      )
      THEN 22.0
      WHEN (
        "t0"."procedure" = 'EGE'
      ) AND (
        "t0"."subject" = 'geo'
      )
      THEN 37.0
      WHEN (
        "t0"."procedure" = 'EGE'
      ) AND (
        "t0"."subject" = 'hist'
      )
      THEN 32.0
      WHEN (
        "t0"."procedure" = 'EGE'
      ) AND (
        "t0"."subject" = 'inf'
      )
      THEN 40.0
      WHEN (
        "t0"."procedure" = 'EGE'
      ) AND (
        "t0"."subject" = 'lit'
      )
      THEN 32.0
      WHEN (
        "t0"."procedure" = 'EGE'
      ) AND (
        "t0"."subject" = 'math_profile'
      )
      THEN 27.0
      WHEN (
        "t0"."procedure" = 'EGE'
      ) AND (
        "t0"."subject" = 'phys'
      )
      THEN 36.0
      WHEN (
        "t0"."procedure" = 'EGE'
      ) AND (
        "t0"."subject" = 'ru'
      )
      THEN 24.0
      WHEN (
        "t0"."procedure" = 'EGE'
      ) AND (
        "t0"."subject" = 'soc'
      )
      THEN 42.0
      ELSE CAST(NULL AS DOUBLE)
    END AS "_min_threshold"
  FROM "student_results" AS "t0"
  WHERE
    "t0"."procedure" = 'EGE'
) AS "t1"
GROUP BY
  1,
  2,
  3;

-- dir1.oge_passed_min:distinct
SELECT
  "t1"."org_id",
  "t1"."year",
  "t1"."subject",
  COUNT(DISTINCT "t1"."student") FILTER(WHERE
    "t1"."mark" >= 3) AS "n0",
  COUNT(DISTINCT "t1"."student") AS "d0"
FROM (
  SELECT
    *
  FROM "student_results" AS "t0"
  WHERE
    "t0"."procedure" = 'OGE'
) AS "t1"
GROUP BY
  1,
  2,
  3;

-- dir1.absentees:distinct
SELECT
  "t1"."org_id",
  "t1"."year",
  COUNT(DISTINCT "t1"."student") FILTER(WHERE
    "t1"."lessons_missed_unexcused" > 0) AS "n0",
  COUNT(DISTINCT "t1"."student") AS "d0"
FROM (
  SELECT
    *
  FROM "attendance" AS "t0"
  WHERE
    "t0"."procedure" = 'ATTENDANCE' AND "t0"."student" IS NOT NULL
) AS "t1"
GROUP BY
  1,
  2;

-- dir3.vsosh_school:distinct
SELECT
  "t1"."org_id",
  "t1"."year",
  COUNT(DISTINCT "t1"."student") AS "n0"
FROM (
  SELECT
    *
  FROM "olympiad_results" AS "t0"
  WHERE
    "t0"."procedure" = 'VSOSH' AND "t0"."stage" = 'school'
) AS "t1"
GROUP BY
  1,
  2;

-- dir3.vsosh_municipal:distinct
SELECT
  "t1"."org_id",
  "t1"."year",
  COUNT(DISTINCT "t1"."student") AS "n0"
FROM (
  SELECT
    *
  FROM "olympiad_results" AS "t0"
  WHERE
    "t0"."procedure" = 'VSOSH' AND "t0"."stage" = 'municipal'
) AS "t1"
GROUP BY
  1,
  2;

-- dir3.vsosh_municipal_winners:distinct
SELECT
  "t1"."org_id",
  "t1"."year",
  COUNT(DISTINCT "t1"."student") FILTER(WHERE
    "t1"."status" IN ('winner', 'prize')) AS "n0",
  COUNT(DISTINCT "t1"."student") AS "d0"
FROM (
  SELECT
    *
  FROM "olympiad_results" AS "t0"
  WHERE
    "t0"."procedure" = 'VSOSH' AND "t0"."stage" = 'municipal'
) AS "t1"
GROUP BY
  1,
  2;

-- dir3.vsosh_regional:distinct
SELECT
  "t1"."org_id",
  "t1"."year",
  COUNT(DISTINCT "t1"."student") AS "n0"
FROM (
  SELECT
    *
  FROM "olympiad_results" AS "t0"
  WHERE
    "t0"."procedure" = 'VSOSH' AND "t0"."stage" = 'regional'
) AS "t1"
GROUP BY
  1,
  2;

-- dir3.vsosh_regional_winners:distinct
SELECT
  "t1"."org_id",
  "t1"."year",
  COUNT(DISTINCT "t1"."student") FILTER(WHERE
    "t1"."status" IN ('winner', 'prize')) AS "n0",
  COUNT(DISTINCT "t1"."student") AS "d0"
FROM (
  SELECT
    *
  FROM "olympiad_results" AS "t0"
  WHERE
    "t0"."procedure" = 'VSOSH' AND "t0"."stage" = 'regional'
) AS "t1"
GROUP BY
  1,
  2;

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
        "t1"."procedure" = 'VPR'
      )
      AND (
        "t1"."mark" IS NOT NULL
      )
      AND (
        "t1"."mark" = 2
      )
      THEN 1
      ELSE 0
    END
  ) AS "n0",
  SUM(
    CASE
      WHEN (
        "t1"."procedure" = 'VPR'
      ) AND (
        "t1"."mark" IS NOT NULL
      )
      THEN 1
      ELSE 0
    END
  ) AS "d0",
  SUM(
    CASE
      WHEN (
        "t1"."procedure" = 'VPR'
      )
      AND (
        "t1"."mark" IS NOT NULL
      )
      AND "t1"."mark" IN (4, 5)
      THEN 1
      ELSE 0
    END
  ) AS "n1",
  SUM(
    CASE
      WHEN (
        "t1"."procedure" = 'VPR'
      ) AND (
        "t1"."mark" IS NOT NULL
      )
      THEN 1
      ELSE 0
    END
  ) AS "d1",
  SUM(
    CASE
      WHEN (
        "t1"."procedure" = 'VPR'
      ) AND (
        "t1"."mark" IS NOT NULL
      )
      THEN CAST("t1"."mark" AS DOUBLE)
      ELSE 0.0
    END
  ) AS "n2",
  SUM(
    CASE
      WHEN (
        "t1"."procedure" = 'VPR'
      ) AND (
        "t1"."mark" IS NOT NULL
      )
      THEN 1
      ELSE 0
    END
  ) AS "c2",
  SUM(
    CASE
      WHEN (
        "t1"."procedure" = 'VPR'
      ) AND (
        "t1"."primary_score" IS NOT NULL
      )
      THEN "t1"."primary_score"
      ELSE 0.0
    END
  ) AS "n3",
  SUM(
    CASE
      WHEN (
        "t1"."procedure" = 'VPR'
      ) AND (
        "t1"."primary_score" IS NOT NULL
      )
      THEN 1
      ELSE 0
    END
  ) AS "c3",
  SUM(
    CASE
      WHEN (
        "t1"."procedure" = 'VPR'
      )
      AND (
        "t1"."mark" IS NOT NULL
      )
      AND (
        "t1"."journal_mark" IS NOT NULL
      )
      AND (
        "t1"."mark" < "t1"."journal_mark"
      )
      THEN 1
      ELSE 0
    END
  ) AS "n4",
  SUM(
    CASE
      WHEN (
        "t1"."procedure" = 'VPR'
      )
      AND (
        "t1"."mark" IS NOT NULL
      )
      AND (
        "t1"."journal_mark" IS NOT NULL
      )
      THEN 1
      ELSE 0
    END
  ) AS "d4",
  SUM(
    CASE
      WHEN (
        "t1"."procedure" = 'VPR'
      )
      AND (
        "t1"."mark" IS NOT NULL
      )
      AND (
        "t1"."journal_mark" IS NOT NULL
      )
      AND (
        "t1"."mark" = "t1"."journal_mark"
      )
      THEN 1
      ELSE 0
    END
  ) AS "n5",
  SUM(
    CASE
      WHEN (
        "t1"."procedure" = 'VPR'
      )
      AND (
        "t1"."mark" IS NOT NULL
      )
      AND (
        "t1"."journal_mark" IS NOT NULL
      )
      THEN 1
      ELSE 0
    END
  ) AS "d5",
  SUM(
    CASE
      WHEN (
        "t1"."procedure" = 'VPR'
      )
      AND (
        "t1"."mark" IS NOT NULL
      )
      AND (
        "t1"."journal_mark" IS NOT NULL
      )
      AND (
        "t1"."mark" > "t1"."journal_mark"
      )
      THEN 1
      ELSE 0
    END
  ) AS "n6",
  SUM(
    CASE
      WHEN (
        "t1"."procedure" = 'VPR'
      )
      AND (
        "t1"."mark" IS NOT NULL
      )
      AND (
        "t1"."journal_mark" IS NOT NULL
      )
      THEN 1
      ELSE 0
    END
  ) AS "d6",
  SUM(
    CASE
      WHEN (
        "t1"."procedure" = 'OGE'
      )
      AND (
        "t1"."mark" IS NOT NULL
      )
      AND (
        "t1"."mark" = 2
      )
      THEN 1
      ELSE 0
    END
  ) AS "n7",
  SUM(
    CASE
      WHEN (
        "t1"."procedure" = 'OGE'
      ) AND (
        "t1"."mark" IS NOT NULL
      )
      THEN 1
      ELSE 0
    END
  ) AS "d7",
  SUM(
    CASE
      WHEN (
        "t1"."procedure" = 'OGE'
      )
      AND (
        "t1"."mark" IS NOT NULL
      )
      AND "t1"."mark" IN (4, 5)
      THEN 1
      ELSE 0
    END
  ) AS "n8",
  SUM(
    CASE
      WHEN (
        "t1"."procedure" = 'OGE'
      ) AND (
        "t1"."mark" IS NOT NULL
      )
      THEN 1
      ELSE 0
    END
  ) AS "d8",
  SUM(
    CASE
      WHEN (
        "t1"."procedure" = 'OGE'
      ) AND (
        "t1"."mark" IS NOT NULL
      )
      THEN CAST("t1"."mark" AS DOUBLE)
      ELSE 0.0
    END
  ) AS "n9",
  SUM(
    CASE
      WHEN (
        "t1"."procedure" = 'OGE'
      ) AND (
        "t1"."mark" IS NOT NULL
      )
      THEN 1
      ELSE 0
    END
  ) AS "c9",
  SUM(
    CASE
      WHEN (
        "t1"."procedure" = 'OGE'
      ) AND (
        "t1"."primary_score" IS NOT NULL
      )
      THEN "t1"."primary_score"
      ELSE 0.0
    END
  ) AS "n10",
  SUM(
    CASE
      WHEN (
        "t1"."procedure" = 'OGE'
      ) AND (
        "t1"."primary_score" IS NOT NULL
      )
      THEN 1
      ELSE 0
    END
  ) AS "c10",
  SUM(
    CASE
      WHEN "t1"."procedure" IN ('OGE', 'GVE9')
      AND (
        "t1"."mark" IS NOT NULL
      )
      AND (
        "t1"."mark" = 2
      )
      THEN 1
      ELSE 0
    END
  ) AS "n11",
  SUM(
    CASE
      WHEN "t1"."procedure" IN ('OGE', 'GVE9') AND (
        "t1"."mark" IS NOT NULL
      )
      THEN 1
      ELSE 0
    END
  ) AS "d11",
  SUM(
    CASE
      WHEN (
        "t1"."procedure" = 'EGE'
      ) AND (
        "t1"."test_score" IS NOT NULL
      )
      THEN "t1"."test_score"
      ELSE 0.0
    END
  ) AS "n12",
  SUM(
    CASE
      WHEN (
        "t1"."procedure" = 'EGE'
      ) AND (
        "t1"."test_score" IS NOT NULL
      )
      THEN 1
      ELSE 0
    END
  ) AS "c12",
  SUM(
    CASE
      WHEN (
        "t1"."procedure" = 'EGE'
      )
      AND (
        (
          "t1"."test_score" < "t1"."_min_threshold"
        )
        OR (
          "t1"."test_score" >= "t1"."_min_threshold"
        )
        OR (
          "t1"."mark" IS NOT NULL
        )
      )
      AND (
        (
          "t1"."test_score" < "t1"."_min_threshold"
        ) OR (
          "t1"."mark" = 2
        )
      )
      THEN 1
      ELSE 0
    END
  ) AS "n13",
  SUM(
    CASE
      WHEN (
        "t1"."procedure" = 'EGE'
      )
      AND (
        (
          "t1"."test_score" < "t1"."_min_threshold"
        )
        OR (
          "t1"."test_score" >= "t1"."_min_threshold"
        )
        OR (
          "t1"."mark" IS NOT NULL
        )
      )
      THEN 1
      ELSE 0
    END
  ) AS "d13",
  SUM(
    CASE
      WHEN (
        "t1"."procedure" = 'EGE'
      )
      AND (
        "t1"."test_score" IS NOT NULL
      )
      AND (
        "t1"."test_score" >= 60
      )
      THEN 1
      ELSE 0
    END
  ) AS "n14",
  SUM(
    CASE
      WHEN (
        "t1"."procedure" = 'EGE'
      ) AND (
        "t1"."test_score" IS NOT NULL
      )
      THEN 1
      ELSE 0
    END
  ) AS "d14",
  SUM(
    CASE
      WHEN (
        "t1"."procedure" = 'EGE'
      )
      AND (
        "t1"."test_score" IS NOT NULL
      )
      AND (
        "t1"."test_score" >= 70
      )
      THEN 1
      ELSE 0
    END
  ) AS "n15",
  SUM(
    CASE
      WHEN (
        "t1"."procedure" = 'EGE'
      ) AND (
        "t1"."test_score" IS NOT NULL
      )
      THEN 1
      ELSE 0
    END
  ) AS "d15",
  SUM(
    CASE
      WHEN (
        "t1"."procedure" = 'EGE'
      )
      AND (
        "t1"."test_score" IS NOT NULL
      )
      AND (
        "t1"."test_score" >= 80
      )
      THEN 1
      ELSE 0
    END
  ) AS "n16",
  SUM(
    CASE
      WHEN (
        "t1"."procedure" = 'EGE'
      ) AND (
        "t1"."test_score" IS NOT NULL
      )
      THEN 1
      ELSE 0
    END
  ) AS "d16",
  SUM(
    CASE
      WHEN (
        "t1"."procedure" = 'EGE'
      )
      AND (
        "t1"."mark" IS NOT NULL
      )
      AND (
        "t1"."mark" = 2
      )
      THEN 1
      ELSE 0
    END
  ) AS "n17",
  SUM(
    CASE
      WHEN (
        "t1"."procedure" = 'EGE'
      ) AND (
        "t1"."mark" IS NOT NULL
      )
      THEN 1
      ELSE 0
    END
  ) AS "d17",
  SUM(
    CASE
      WHEN (
        "t1"."procedure" = 'EGE'
      )
      AND (
        "t1"."mark" IS NOT NULL
      )
      AND "t1"."mark" IN (4, 5)
      THEN 1
      ELSE 0
    END
  ) AS "n18",
  SUM(
    CASE
      WHEN (
        "t1"."procedure" = 'EGE'
      ) AND (
        "t1"."mark" IS NOT NULL
      )
      THEN 1
      ELSE 0
    END
  ) AS "d18",
  SUM(
    CASE
      WHEN (
        "t1"."procedure" = 'EGE'
      ) AND (
        "t1"."mark" IS NOT NULL
      )
      THEN CAST("t1"."mark" AS DOUBLE)
      ELSE 0.0
    END
  ) AS "n19",
  SUM(
    CASE
      WHEN (
        "t1"."procedure" = 'EGE'
      ) AND (
        "t1"."mark" IS NOT NULL
      )
      THEN 1
      ELSE 0
    END
  ) AS "c19",
  SUM(
    CASE
      WHEN (
        "t1"."procedure" = 'KDR'
      )
      AND (
        "t1"."level" IS NOT NULL
      )
      AND (
        "t1"."level" = 'low'
      )
      THEN 1
      ELSE 0
    END
  ) AS "n20",
  SUM(
    CASE
      WHEN (
        "t1"."procedure" = 'KDR'
      ) AND (
        "t1"."level" IS NOT NULL
      )
      THEN 1
      ELSE 0
    END
  ) AS "d20",
  SUM(
    CASE
      WHEN (
        "t1"."procedure" = 'KDR'
      )
      AND (
        "t1"."level" IS NOT NULL
      )
      AND (
        "t1"."level" = 'basic'
      )
      THEN 1
      ELSE 0
    END
  ) AS "n21",
  SUM(
    CASE
      WHEN (
        "t1"."procedure" = 'KDR'
      ) AND (
        "t1"."level" IS NOT NULL
      )
      THEN 1
      ELSE 0
    END
  ) AS "d21",
  SUM(
    CASE
      WHEN (
        "t1"."procedure" = 'KDR'
      )
      AND (
        "t1"."level" IS NOT NULL
      )
      AND (
        "t1"."level" = 'advanced'
      )
      THEN 1
      ELSE 0
    END
  ) AS "n22",
  SUM(
    CASE
      WHEN (
        "t1"."procedure" = 'KDR'
      ) AND (
        "t1"."level" IS NOT NULL
      )
      THEN 1
      ELSE 0
    END
  ) AS "d22",
  SUM(
    CASE
      WHEN (
        "t1"."procedure" = 'KDR'
      )
      AND (
        "t1"."level" IS NOT NULL
      )
      AND (
        "t1"."level" = 'high'
      )
      THEN 1
      ELSE 0
    END
  ) AS "n23",
  SUM(
    CASE
      WHEN (
        "t1"."procedure" = 'KDR'
      ) AND (
        "t1"."level" IS NOT NULL
      )
      THEN 1
      ELSE 0
    END
  ) AS "d23",
  SUM(
    CASE
      WHEN (
        "t1"."procedure" = 'KDR'
      )
      AND (
        "t1"."level" IS NOT NULL
      )
      AND "t1"."level" IN ('basic', 'advanced', 'high')
      THEN 1
      ELSE 0
    END
  ) AS "n24",
  SUM(
    CASE
      WHEN (
        "t1"."procedure" = 'KDR'
      ) AND (
        "t1"."level" IS NOT NULL
      )
      THEN 1
      ELSE 0
    END
  ) AS "d24",
  SUM(
    CASE
      WHEN (
        "t1"."procedure" = 'ESSAY'
      )
      AND (
        "t1"."passed" IS NOT NULL
      )
      AND (
        "t1"."passed" = TRUE
      )
      THEN 1
      ELSE 0
    END
  ) AS "n25",
  SUM(
    CASE
      WHEN (
        "t1"."procedure" = 'ESSAY'
      ) AND (
        "t1"."passed" IS NOT NULL
      )
      THEN 1
      ELSE 0
    END
  ) AS "d25",
  SUM(
    CASE
      WHEN (
        "t1"."procedure" = 'INTERVIEW'
      )
      AND (
        "t1"."passed" IS NOT NULL
      )
      AND (
        "t1"."passed" = TRUE
      )
      THEN 1
      ELSE 0
    END
  ) AS "n26",
  SUM(
    CASE
      WHEN (
        "t1"."procedure" = 'INTERVIEW'
      ) AND (
        "t1"."passed" IS NOT NULL
      )
      THEN 1
      ELSE 0
    END
  ) AS "d26",
  SUM(
    CASE
      WHEN (
        "t1"."procedure" = 'INTERVIEW'
      ) AND (
        "t1"."primary_score" IS NOT NULL
      )
      THEN "t1"."primary_score"
      ELSE 0.0
    END
  ) AS "n27",
  SUM(
    CASE
      WHEN (
        "t1"."procedure" = 'INTERVIEW'
      ) AND (
        "t1"."primary_score" IS NOT NULL
      )
      THEN 1
      ELSE 0
    END
  ) AS "c27"
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
    "t0"."procedure" IN ('EGE', 'ESSAY', 'GVE9', 'INTERVIEW', 'KDR', 'OGE', 'VPR')
) AS "t1"
GROUP BY
  1,
  2,
  3,
  4,
  5;

-- task_scores:additive
SELECT
  "t1"."org_id",
  "t1"."year",
  "t1"."procedure",
  "t1"."subject",
  "t1"."grade",
  "t1"."task",
  SUM(CAST("t1"."score" AS DOUBLE)) AS "n0",
  COUNT("t1"."score") AS "c0"
FROM (
  SELECT
    *
  FROM "task_scores" AS "t0"
  WHERE
    "t0"."procedure" IN ('VPR')
) AS "t1"
GROUP BY
  1,
  2,
  3,
  4,
  5,
  6;

-- vpr.participants:distinct
SELECT
  "t1"."org_id",
  "t1"."year",
  "t1"."subject",
  "t1"."grade",
  COUNT(DISTINCT "t1"."student") AS "n0"
FROM (
  SELECT
    *
  FROM "student_results" AS "t0"
  WHERE
    "t0"."procedure" = 'VPR'
    AND (
      (
        "t0"."mark" IS NOT NULL
      ) OR (
        "t0"."primary_score" IS NOT NULL
      )
    )
) AS "t1"
GROUP BY
  1,
  2,
  3,
  4;

-- oge.participants:distinct
SELECT
  "t1"."org_id",
  "t1"."year",
  "t1"."subject",
  COUNT(DISTINCT "t1"."student") AS "n0"
FROM (
  SELECT
    *
  FROM "student_results" AS "t0"
  WHERE
    "t0"."procedure" = 'OGE' AND "t0"."mark" IS NOT NULL
) AS "t1"
GROUP BY
  1,
  2,
  3;

-- ege.participants:distinct
SELECT
  "t1"."org_id",
  "t1"."year",
  "t1"."subject",
  COUNT(DISTINCT "t1"."student") AS "n0"
FROM (
  SELECT
    *
  FROM "student_results" AS "t0"
  WHERE
    "t0"."procedure" = 'EGE'
    AND (
      (
        "t0"."test_score" IS NOT NULL
      ) OR (
        "t0"."mark" IS NOT NULL
      )
    )
) AS "t1"
GROUP BY
  1,
  2,
  3;

-- ege.graduates:distinct
SELECT
  "t1"."org_id",
  "t1"."year",
  COUNT(DISTINCT "t1"."student") AS "n0"
FROM (
  SELECT
    *
  FROM "student_results" AS "t0"
  WHERE
    "t0"."procedure" = 'EGE'
    AND (
      (
        "t0"."test_score" IS NOT NULL
      ) OR (
        "t0"."mark" IS NOT NULL
      )
    )
) AS "t1"
GROUP BY
  1,
  2;

-- ege.below_min_ru_math:distinct
SELECT
  "t1"."org_id",
  "t1"."year",
  COUNT(DISTINCT "t1"."student") FILTER(WHERE
    (
      "t1"."test_score" < "t1"."_min_threshold"
    ) OR (
      "t1"."mark" = 2
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
    AND "t0"."subject" IN ('ru', 'math_profile', 'math_base')
) AS "t1"
GROUP BY
  1,
  2;

-- ege.medallists:distinct
SELECT
  "t1"."org_id",
  "t1"."year",
  COUNT(DISTINCT "t1"."student") AS "n0"
FROM (
  SELECT
    *
  FROM "medals" AS "t0"
  WHERE
    "t0"."procedure" = 'MEDALS'
) AS "t1"
GROUP BY
  1,
  2;

-- ege.medallists_70_plus:per_student
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

-- ege.share_220_plus:per_student
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
